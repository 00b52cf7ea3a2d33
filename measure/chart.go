package measure

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
)

// Bar is one bar of a chart: a value with its interval.
type Bar struct {
	Value, Lower, Upper float64
	Suppressed          bool
}

// BarGroup is a labelled pair of bars: COR holders and the others.
type BarGroup struct {
	Label       string
	COR, NonCOR Bar
}

// Measures a chart can show, with their units.
var Measures = map[string]string{
	"ltc_rate":                   "lost-time claims per 100 person-years",
	"dir":                        "disabling injuries per 100 person-years",
	"fatality_rate":              "fatalities per 1,000,000 person-years",
	"claim_cost_per_person_year": "claim costs, dollars per person-year",
}

// BarOf picks measure m of a group as a bar.
func BarOf(g Group, m string) Bar {
	f := g.Figures
	if f == nil {
		return Bar{Suppressed: true}
	}
	switch m {
	case "dir":
		return Bar{f.DIR, f.DIRCI.Lower, f.DIRCI.Upper, false}
	case "fatality_rate":
		return Bar{f.FatalityRate, f.FatalityRateCI.Lower, f.FatalityRateCI.Upper, false}
	case "claim_cost_per_person_year":
		if f.ClaimCostPerPY == nil {
			return Bar{Suppressed: true}
		}
		v := *f.ClaimCostPerPY
		return Bar{v, v, v, false}
	}
	return Bar{f.LTCRate, f.LTCRateCI.Lower, f.LTCRateCI.Upper, false}
}

// Colours: blue for COR holders, orange for the others (distinguishable
// with the common colour-vision deficiencies), dark text on white.
const (
	colourCOR   = "#1f5fa8"
	colourOther = "#c2571a"
	colourInk   = "#1a1a1a"
)

// BarChartSVG draws groups as paired bars with 95% interval whiskers: a
// self-contained SVG (no script, no external resource), with a title and
// a description for screen readers. A suppressed bar is marked, not drawn.
func BarChartSVG(title, measure string, groups []BarGroup) []byte {
	unit := Measures[measure]
	const (
		left, right, top, bottom = 70.0, 20.0, 60.0, 70.0
		barW, gap                = 28.0, 26.0
		height                   = 260.0
	)
	width := left + right + math.Max(1, float64(len(groups)))*(2*barW+gap)
	maxV := 0.0
	for _, g := range groups {
		for _, b := range []Bar{g.COR, g.NonCOR} {
			if !b.Suppressed {
				maxV = math.Max(maxV, math.Max(b.Value, b.Upper))
			}
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	step := niceStep(maxV / 4)
	top4 := math.Ceil(maxV/step) * step
	y := func(v float64) float64 { return top + height - v/top4*height }
	var b bytes.Buffer
	e := html.EscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-labelledby="t d" font-family="sans-serif" font-size="12">`,
		width, top+height+bottom, width, top+height+bottom)
	fmt.Fprintf(&b, `<title id="t">%s</title><desc id="d">`, e(title))
	for _, g := range groups {
		fmt.Fprintf(&b, "%s: COR %s, non-COR %s. ", e(g.Label), describe(g.COR), describe(g.NonCOR))
	}
	fmt.Fprintf(&b, `Bars show %s; whiskers the 95%% interval.</desc>`, e(unit))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="%.0f" y="22" font-size="15" fill="%s">%s</text>`, left, colourInk, e(title))
	fmt.Fprintf(&b, `<text x="%.0f" y="40" fill="%s">%s</text>`, left, colourInk, e(unit))
	for v := 0.0; v <= top4+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ccc"/><text x="%.0f" y="%.1f" text-anchor="end" fill="%s">%s</text>`,
			left, width-right, y(v), y(v), left-6, y(v)+4, colourInk, short(v))
	}
	for i, g := range groups {
		x0 := left + gap/2 + float64(i)*(2*barW+gap)
		for k, bar := range []Bar{g.COR, g.NonCOR} {
			x := x0 + float64(k)*barW
			colour, name := colourCOR, "COR"
			if k == 1 {
				colour, name = colourOther, "non-COR"
			}
			if bar.Suppressed {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s" transform="rotate(-90 %.1f %.1f)">suppressed</text>`,
					x+barW/2, y(0)-40, colourInk, x+barW/2, y(0)-40)
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x+2, y(bar.Value), barW-4, y(0)-y(bar.Value), colour, e(g.Label), name, short(bar.Value))
			if bar.Upper > bar.Lower {
				cx := x + barW/2
				fmt.Fprintf(&b, `<path d="M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f" stroke="%s" stroke-width="1.5"/>`,
					cx, y(bar.Lower), y(bar.Upper), cx-5, y(bar.Lower), cx+5, cx-5, y(bar.Upper), cx+5, colourInk)
			}
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, x0+barW, y(0)+18, colourInk, e(g.Label))
	}
	ly := top + height + 45
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f" fill="%s">COR or SECOR holders</text>`,
		left, ly, colourCOR, left+18, ly+11, colourInk)
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f" fill="%s">others</text>`,
		left+180, ly, colourOther, left+198, ly+11, colourInk)
	b.WriteString(`</svg>`)
	return b.Bytes()
}

func describe(b Bar) string {
	if b.Suppressed {
		return "suppressed"
	}
	return fmt.Sprintf("%s (95%% interval %s to %s)", short(b.Value), short(b.Lower), short(b.Upper))
}

func short(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// niceStep rounds s up to 1, 2 or 5 times a power of ten.
func niceStep(s float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(s)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= s {
			return m * p
		}
	}
	return 10 * p
}
