package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// axeAll runs axe-core with every impact on the page and returns what it finds.
func axeAll(t *testing.T, ctx context.Context, axe []byte) []violation {
	t.Helper()
	run := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](string(axe)+"\n;'loaded'")); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var vs []violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestAxeMorePages: pages the browser tests do not run axe on, and
// certificate, verify and auditor pages, every impact, both languages, at
// a desktop's width and at a phone's (360 CSS pixels, mobile): links that
// wrap there must still be touch targets of 24 px (WCAG 2.5.8).
func TestAxeMorePages(t *testing.T) {
	ctx, axe := browser(t)
	s := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	_, p, err := s.ps.Issue(context.Background(), "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	_ = p
	text, _, _ := s.ps.Issue(context.Background(), "ACSA-20250417")
	for _, vp := range []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{
		{"desktop", 1000, 1400, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}},
		{"phone", 360, 800, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}},
	} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h, vp.opts...)); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "fr"} {
			for _, path := range []string{
				"/certificates/ACSA-20231105",
				"/certificates/ACSA-20250314",
				"/verify?pass=" + url.QueryEscape(text),
				"/auditors/AUD-0002",
				"/employers/812345676",
				"/employers/742662331",
				"/certificates/NOPE-1",
				"/employers/12",
				"/check?bn=123456789&host=CA-AB&on=2026-02-30",
				"/check?bn=742662331&host=CA-AB&use=work",
				"/letters/ACSA-20250314",
				"/verify?pass=COR1:XYZ",
				"/verify?pass=" + url.QueryEscape(text[:len(text)-6]+"AAAAAA"),
				"/?q=zzzz-nothing",
				"/?q=prairie",
				"/auditors/AUD-0003",
			} {
				u := s.url + path
				if len(path) > 0 {
					if contains(path, "?") {
						u += "&lang=" + lang
					} else {
						u += "?lang=" + lang
					}
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
					t.Fatal(err)
				}
				for _, v := range axeAll(t, ctx, axe) {
					t.Errorf("%s %s %s: (%s) %s: %s at %v", vp.name, lang, path, v.Impact, v.ID, v.Help, v.Nodes)
				}
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
