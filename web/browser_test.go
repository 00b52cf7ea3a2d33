package web_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/web"
)

// Browser tests drive Debian's chromium (installed by .ci/run) through the
// pages. Outside CI they skip when chromium or axe-core is missing; in CI
// (CI=true) a missing tool fails them.

// axePath finds axe-core's axe.min.js: $CORFED_AXE, else the cache .ci/run
// installs it into.
func axePath() string {
	if p := os.Getenv("CORFED_AXE"); p != "" {
		return p
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "corfed-axe", "node_modules", "axe-core", "axe.min.js")
	}
	return ""
}

func need(t *testing.T, what, hint string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing (%s); .ci/run installs it", what, hint)
	}
	t.Skipf("%s is missing (%s): skipping the browser test outside CI", what, hint)
}

func browser(t *testing.T) (context.Context, []byte) {
	t.Helper()
	if raceEnabled {
		t.Skip("browser tests run without -race (see race_test.go)")
	}
	bin := os.Getenv("CORFED_CHROMIUM")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("chromium"); err != nil {
			need(t, "chromium", "apt-get install chromium")
		}
	}
	axe, err := os.ReadFile(axePath())
	if err != nil {
		need(t, "axe-core", "npm install axe-core into "+axePath()+" or set CORFED_AXE")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 1400),
	}
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 1400, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx, axe
}

// artifacts is where screenshots go: $CORFED_ARTIFACTS, else a temporary
// directory (its path is logged).
func artifacts(t *testing.T) string {
	dir := os.Getenv("CORFED_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

type violation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAxe injects axe-core into the page and fails on landmark-unique (a
// scrolling table region named as its section was) and on any serious or
// critical violation of WCAG 2.0/2.1 A and AA.
func checkAxe(t *testing.T, ctx context.Context, axe []byte, name string) {
	t.Helper()
	run := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','best-practice']}}).then(r => JSON.stringify({passes: r.passes.length,
	  violations: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical' || v.id === 'landmark-unique').map(v => ({id: v.id, impact: v.impact, help: v.help,
	    nodes: v.nodes.map(n => n.target.join(' '))}))}))`
	_, err := chromedp.Run(ctx, chromedp.Evaluate[string](string(axe)+"\n;'loaded'"))
	if err != nil {
		t.Fatalf("%s: injecting axe: %v", name, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var res struct {
		Passes     int
		Violations []violation
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Passes < 10 {
		t.Fatalf("%s: axe answer %q (%v): want at least 10 rules passed", name, out, err)
	}
	for _, v := range res.Violations {
		t.Errorf("%s: accessibility (%s) %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
	}
}

func shoot(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return buf
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func wantIn(t *testing.T, where, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q lacks %q", where, clip(got), w)
		}
	}
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// TestBrowserWalk walks search → certificate → recognition check → letter
// → verify the letter's pass (read from the QR code in the screenshot), in
// English and in French, with axe-core on every page; then suspends the
// certificate and checks that the same pass no longer holds.
func TestBrowserWalk(t *testing.T) {
	ctx, axe := browser(t)
	s := newSite(t)
	dir := artifacts(t)
	var passText string
	for _, tc := range []struct {
		lang                                        string
		search, verified, recognized, letter, holds string
	}{
		{"en", "certificate found", "Verified now", "Recognized", "Verification letter", "The pass holds"},
		{"fr", "certificat trouvé", "Vérifié à l'instant", "Reconnu", "Lettre de vérification", "Le laissez-passer est valide"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			step := func(name string) string { return tc.lang + "-" + name }
			// Search by name, from the home page's form, keyboard only.
			err := chromedp.Do(ctx,
				chromedp.Navigate(s.url+"/?lang="+tc.lang),
				chromedp.WaitVisible(chromedp.ID("q")),
				chromedp.SendKeys(chromedp.ID("q"), "Prairie"),
				chromedp.Submit(chromedp.ID("q")),
				chromedp.WaitVisible(chromedp.ID("results")),
			)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			wantIn(t, "search", text(t, ctx, "main"), tc.search, "ACSA-20250417")
			if a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang")); err != nil || a.Value != tc.lang {
				t.Errorf("html lang: got %q (%v), want %q", a.Value, err, tc.lang)
			}
			shoot(t, ctx, dir, step("1-search"))
			checkAxe(t, ctx, axe, step("search"))

			// The certificate page.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/certificates/ACSA-20250417?iss=CA-AB"]`)), chromedp.WaitVisible(chromedp.ID("proof"))); err != nil {
				t.Fatalf("certificate: %v", err)
			}
			wantIn(t, "certificate", text(t, ctx, "main"), tc.verified, "20250417")
			shoot(t, ctx, dir, step("2-certificate"))
			checkAxe(t, ctx, axe, step("certificate"))

			// The recognition check, from the certificate page's link.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href^="/check?bn="]`)), chromedp.WaitVisible(chromedp.ID("f-host")),
				chromedp.SetValue(chromedp.ID("f-on"), "2026-11-25"),
				chromedp.Submit(chromedp.ID("f-bn")), chromedp.WaitVisible(chromedp.ID("answer"))); err != nil {
				t.Fatalf("check: %v", err)
			}
			wantIn(t, "check", text(t, ctx, ".answer"), tc.recognized)
			shoot(t, ctx, dir, step("3-check"))
			checkAxe(t, ctx, axe, step("check"))

			// The letter; the QR code is read from the screenshot.
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/certificates/ACSA-20250417"), chromedp.WaitVisible(chromedp.ID("proof")),
				chromedp.Click(chromedp.CSS(`a[href="/letters/ACSA-20250417"]`)), chromedp.WaitVisible(chromedp.CSS("figure.qr svg"))); err != nil {
				t.Fatalf("letter: %v", err)
			}
			wantIn(t, "letter", text(t, ctx, "main"), tc.letter)
			shoot(t, ctx, dir, step("4-letter"))
			checkAxe(t, ctx, axe, step("letter"))
			// The code as the browser draws it, at 3 device pixels per CSS
			// pixel, as a phone's screen or a printer gives it: read from the
			// 1x page screenshot, 256 pixels for 60-90 modules, some passes'
			// codes did not decode (CI, both languages: "didn't find a close
			// enough match").
			qr, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("figure.qr svg"), 3))
			if err != nil {
				t.Fatalf("letter: QR screenshot: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, step("4-letter-qr")+".png"), qr, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := web.DecodeQR(qr)
			if err != nil {
				t.Fatalf("no QR code read from the letter's screenshot: %v", err)
			}
			if shown := strings.TrimSpace(text(t, ctx, "#pass")); got != shown || !strings.HasPrefix(got, pass.Prefix) || len(got) > pass.MaxSize {
				t.Fatalf("QR code holds %q; the letter shows %q", clip(got), clip(shown))
			}
			passText = got

			// The second code: the certificate's page on this node's site, for
			// a phone's camera app; it opens the page in the letter's language.
			lq, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("figure.qr.link svg"), 3))
			if err != nil {
				t.Fatalf("letter: link QR screenshot: %v", err)
			}
			link, err := web.DecodeQR(lq)
			if err != nil {
				t.Fatalf("no QR code read from the letter's link code: %v", err)
			}
			if want := s.url + "/certificates/ACSA-20250417?iss=CA-AB&lang=" + tc.lang; link != want || strings.TrimSpace(text(t, ctx, "#link")) != want {
				t.Fatalf("the link code holds %q, the letter shows %q; want %q", link, text(t, ctx, "#link"), want)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("proof"))); err != nil {
				t.Fatalf("opening the link code: %v", err)
			}
			wantIn(t, "certificate from the link code", text(t, ctx, "main"), tc.verified, "20250417")

			// Verify the pass read from the QR code, pasted into /verify.
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/verify"), chromedp.WaitVisible(chromedp.ID("pass-text")),
				chromedp.SetValue(chromedp.ID("pass-text"), got), chromedp.Submit(chromedp.ID("pass-text")),
				chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
				t.Fatalf("verify: %v", err)
			}
			wantIn(t, "verify", text(t, ctx, ".result"), tc.holds, "812345676")
			shoot(t, ctx, dir, step("5-verify"))
			checkAxe(t, ctx, axe, step("verify"))
		})
	}
	if passText == "" {
		return
	}
	if _, err := s.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: "suspend", Reason: "Employer Review"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/verify?lang=fr"), chromedp.WaitVisible(chromedp.ID("pass-text")),
		chromedp.SetValue(chromedp.ID("pass-text"), passText), chromedp.Submit(chromedp.ID("pass-text")),
		chromedp.WaitVisible(chromedp.ID("result"))); err != nil {
		t.Fatalf("verify after suspension: %v", err)
	}
	wantIn(t, "verify after suspension", text(t, ctx, ".result"), "Le laissez-passer n'est pas valide", "suspendu")
	shoot(t, ctx, dir, "fr-6-verify-suspended")
	checkAxe(t, ctx, axe, "verify-suspended")
}
