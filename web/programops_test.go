package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestProgramPages: the certificate page shows the audit a certificate
// rests on and its maintenance years (done, overdue, due, with dates); the
// auditor page shows the auditor's status today, credentials and
// discipline; both in English and French.
func TestProgramPages(t *testing.T) {
	s := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	for _, tc := range []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{"missed maintenance", "/certificates/ACSA-20230616", 200, []string{
			"Audit basis and maintenance", "certification audit", "AUD-ACSA-731551222-20230616-certification",
			"2023-06-12 – 2023-06-16", "86.5%", `href="/auditors/AUD-0001"`,
			"2023-06-17 – 2024-06-16", `<span class="badge ok">done</span>`, "2024-05-10 (AUD-ACSA-731551222-20240510-maintenance)",
			"2024-06-17 – 2025-06-16", `<span class="badge bad">overdue</span>`}, nil},
		{"missed maintenance fr", "/certificates/ACSA-20230616?lang=fr", 200, []string{
			"Fondement de l&#39;audit et maintien", "audit de certification", `<span class="badge ok">effectué</span>`,
			`<span class="badge bad">en retard</span>`}, []string{">done<", ">overdue<"}},
		{"maintenance done, year 3 due", "/certificates/ACSA-20250314", 200, []string{
			"2026-02-20", `<span class="badge warn">due</span>`, "2026-03-15 – 2027-03-14"}, []string{"overdue"}},
		{"no audit on this node", "/certificates/ACSA-20250417", 200, []string{"This node holds no audit"}, []string{"<h3 id=\"maintenance\">Maintenance</h3>\n  <p>Maintenance audits"}},
		{"auditor certified", "/auditors/AUD-0001", 200, []string{
			"Auditor Dana Whitford", `<span class="badge big ok">certified</span>`, "external", "2025-09-01", "2028-08-31",
			"No discipline action recorded"}, nil},
		{"auditor suspended fr", "/auditors/AUD-0002?lang=fr", 200, []string{
			"Auditeur Marc Tremblay", `<span class="badge big bad">suspendu</span> — suspendu par l&#39;Alberta le <time datetime="2026-10-01">1er octobre 2026</time> : <span lang="en">interview records falsified on a certification audit (OSAR of 2025-05-06)</span></p>`,
			"Mesures disciplinaires", "Alberta", "suspension", "interview records falsified"}, []string{"suspended by", "CA-AB le", "2026-10-01 :"}},
		{"auditor suspended", "/auditors/AUD-0002", 200, []string{
			`<span class="badge big bad">suspended</span> — <span>suspended by CA-AB on 2026-10-01: interview records falsified on a certification audit (OSAR of 2025-05-06)</span></p>`}, []string{`<span lang="en">suspended by`}},
		{"auditor internal credential", "/auditors/AUD-0003", 200, []string{"internal"}, nil},
		{"unknown auditor", "/auditors/NOBODY?lang=fr", 404, []string{"Introuvable"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.get(t, tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d, want %d: %s", resp.StatusCode, tc.status, excerpt(body))
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, excerpt(body[strings.Index(body, "<main"):]))
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

// TestBrowserProgramPages follows a certificate's auditor link in
// chromium, in both languages, with axe-core on both pages.
func TestBrowserProgramPages(t *testing.T) {
	ctx, axe := browser(t)
	s := newSiteWith(t, nodetest.Options{Seed: true, Rules: true, Program: true})
	dir := artifacts(t)
	for _, tc := range []struct{ lang, overdue, suspended string }{
		{"en", "overdue", "suspended"},
		{"fr", "en retard", "suspendu"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/certificates/ACSA-20250314?lang="+tc.lang), chromedp.WaitVisible(chromedp.ID("maintenance"))); err != nil {
				t.Fatalf("certificate: %v", err)
			}
			wantIn(t, "certificate", text(t, ctx, "main"), "2026-02-20", "AUD-0002")
			shoot(t, ctx, dir, tc.lang+"-program-certificate")
			checkAxe(t, ctx, axe, tc.lang+"-program-certificate")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/auditors/AUD-0002"]`)), chromedp.WaitVisible(chromedp.ID("credentials"))); err != nil {
				t.Fatalf("auditor: %v", err)
			}
			wantIn(t, "auditor", text(t, ctx, "main"), "Marc Tremblay", tc.suspended)
			shoot(t, ctx, dir, tc.lang+"-program-auditor")
			checkAxe(t, ctx, axe, tc.lang+"-program-auditor")
			if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/certificates/ACSA-20230616?lang="+tc.lang), chromedp.WaitVisible(chromedp.ID("maintenance"))); err != nil {
				t.Fatalf("certificate: %v", err)
			}
			wantIn(t, "missed maintenance", text(t, ctx, "main"), tc.overdue)
			checkAxe(t, ctx, axe, tc.lang+"-program-missed")
		})
	}
}
