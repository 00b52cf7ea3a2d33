package pass

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// QR codes of a pass use error correction level Q (25 %, skip2's "High"),
// as the EU certificate does, and the alphanumeric mode Base45 was made
// for; the quiet zone is four modules.

// QRPNG returns a PNG of text's QR code, at most size pixels wide: each
// module is a whole number of pixels (at least one), so the image is the
// largest such width that fits. Scaled to a width that is not a multiple
// of the module count, modules come out unevenly 3 and 4 pixels wide and
// readers fail on some lengths.
func QRPNG(text string, size int) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.High)
	if err != nil {
		return nil, fmt.Errorf("pass: QR code: %v", err)
	}
	n := len(q.Bitmap()) // modules, quiet zone included
	return q.PNG(max(size/n, 1) * n)
}

// QRSVG returns an SVG of text's QR code: one path of dark modules on a
// white square, scalable, with a title for screen readers.
func QRSVG(text, title string) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.High)
	if err != nil {
		return nil, fmt.Errorf("pass: QR code: %v", err)
	}
	bm := q.Bitmap() // includes the quiet zone
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="%s">`, n, n, escape(title))
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, escape(title), n, n)
	for y, row := range bm {
		for x := 0; x < n; x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < n && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
