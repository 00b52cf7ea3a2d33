package web_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
)

// TestPhoneResultTables opens the search results and an employer's page
// at a phone's width (360 CSS pixels) and checks that every cell of the
// certificate tables, the Status and Expires columns included, is on the
// screen without scrolling sideways, that each cell shows its column's
// name, and that a screen reader still meets a table of cells under their
// column headers. At a desktop width the same tables keep their header row.
func TestPhoneResultTables(t *testing.T) {
	ctx, axe := browser(t)
	s := newSite(t)
	dir := artifacts(t)
	// The right edge of the furthest cell, the page's width, the viewport's,
	// whether the header row is on the screen, and the label of the status
	// cell as drawn.
	const measure = `(() => {
	  const t = document.querySelector('table.stack');
	  if (!t) return JSON.stringify({missing: true});
	  let right = 0;
	  for (const td of t.querySelectorAll('td')) right = Math.max(right, td.getBoundingClientRect().right);
	  const th = t.querySelector('thead').getBoundingClientRect();
	  const st = t.querySelector('td[data-label] .badge').closest('td');
	  return JSON.stringify({right: right, page: document.documentElement.scrollWidth, view: window.innerWidth,
	    header: th.width > 2 && th.height > 2, label: getComputedStyle(st, '::before').content});
	})()`
	type shape struct {
		Missing    bool
		Right      float64
		Page, View float64
		Header     bool
		Label      string
	}
	for _, tc := range []struct {
		name, path, label string
	}{
		{"search-en", "/?q=Prairie&lang=en", "Status"},
		{"search-fr", "/?q=Prairie&lang=fr", "Statut"},
		{"employer-fr", "/employers/812345676?lang=fr", "Statut"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got shape
			read := func(w, h int64) {
				t.Helper()
				err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2)),
					chromedp.Navigate(s.url+tc.path), chromedp.WaitVisible(chromedp.CSS("table.stack")))
				if err != nil {
					t.Fatalf("%s at %d px: %v", tc.path, w, err)
				}
				out, err := chromedp.Run(ctx, chromedp.Evaluate[string](measure))
				if err != nil {
					t.Fatalf("%s at %d px: %v", tc.path, w, err)
				}
				got = shape{}
				if err := json.Unmarshal([]byte(out), &got); err != nil || got.Missing {
					t.Fatalf("%s at %d px: %q (%v)", tc.path, w, out, err)
				}
			}
			read(360, 740)
			if got.Right > got.View+0.5 || got.Page > got.View+0.5 {
				t.Errorf("at 360 px a cell ends at %.0f px and the page is %.0f px wide, in a %.0f px viewport", got.Right, got.Page, got.View)
			}
			if got.Header {
				t.Errorf("at 360 px the header row is still drawn")
			}
			if want := `"` + tc.label + `"`; got.Label != want && got.Label != want+` / ""` {
				t.Errorf("at 360 px the status cell is labelled %s, want %s", got.Label, want)
			}
			shoot(t, ctx, dir, "phone-"+tc.name)
			checkAxe(t, ctx, axe, "phone-"+tc.name)

			// What a screen reader meets: cells and their column headers.
			roles := map[string]int{}
			tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
			if err == nil {
				for _, n := range tree.Nodes {
					if n.Role != nil && !n.Ignored {
						var r string
						_ = json.Unmarshal(n.Role.Value, &r)
						roles[r]++
					}
				}
			}
			if err != nil {
				t.Fatalf("accessibility tree: %v", err)
			}
			if roles["table"] == 0 || roles["columnheader"] == 0 || roles["cell"] == 0 {
				t.Errorf("at 360 px the accessibility tree has %d tables, %d column headers, %d cells: the table's semantics are lost", roles["table"], roles["columnheader"], roles["cell"])
			}

			read(1000, 1400)
			if !got.Header || got.Label != "none" && got.Label != "normal" {
				t.Errorf("at 1000 px: header row drawn %v, cell label %s: want a plain table", got.Header, got.Label)
			}
		})
	}
}
