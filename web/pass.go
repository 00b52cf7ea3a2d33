package web

import (
	"bytes"
	"errors"
	"html/template"
	"image"
	_ "image/jpeg" // uploaded QR pictures
	_ "image/png"
	"io"
	"net/http"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/corfed/corfed/registry/pass"
)

// maxUpload bounds a POST /verify body (a phone photo of a QR code).
const maxUpload = 8 << 20

// readPass reads the pass of a POST /verify: the "pass" field, else an
// uploaded file: text holding a pass, or an image whose QR code holds one.
// It returns a catalog key when there is nothing to check.
func readPass(w http.ResponseWriter, r *http.Request) (string, string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "", "verify.empty"
	}
	if t := strings.TrimSpace(strings.TrimPrefix(r.FormValue("pass"), bom)); t != "" {
		return t, ""
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return "", "verify.empty"
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUpload))
	if err != nil || len(b) == 0 {
		return "", "verify.empty"
	}
	if t := strings.TrimSpace(strings.TrimPrefix(string(b), bom)); strings.HasPrefix(t, pass.Prefix) {
		return t, ""
	}
	select {
	case decodeSlots <- struct{}{}:
		defer func() { <-decodeSlots }()
	case <-r.Context().Done():
		return "", "verify.noqr"
	}
	t, err := DecodeQR(b)
	if err != nil {
		return "", "verify.noqr"
	}
	return t, ""
}

// bom is the byte order mark some editors put at the start of a text file.
const bom = "\ufeff"

// decodeSlots bounds the images decoded at once: each may take ~200 MB
// (maxQRPixels of 16-bit RGBA and the reader's luminance copy).
var decodeSlots = make(chan struct{}, 2)

// maxQRPixels bounds an uploaded image's size, checked from its header
// before it is decoded: a decoder allocates the whole image as soon as it
// has read the header, and a PNG of a few hundred bytes may declare 60,000
// pixels a side. 20 million pixels is a 16-megapixel phone photo with room
// to spare.
const (
	maxQRPixels = 20_000_000
	maxQRSide   = 10_000
)

// DecodeQR reads the QR code in a PNG or JPEG image. An image larger than
// maxQRPixels (or maxQRSide on a side) is refused before it is decoded.
func DecodeQR(img []byte) (string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return "", err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxQRSide || cfg.Height > maxQRSide || cfg.Width*cfg.Height > maxQRPixels {
		return "", errors.New("image too large")
	}
	m, _, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return "", err
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(m)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		// gozxing's detector misses about 1 in 40 valid codes even in a
		// clean, pixel-aligned image (our own PNG passes, a screenshot):
		// read such an image as a pure code, which skips the detector.
		// A failure of both is the detector's error.
		if pure, perr := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}); perr == nil {
			return pure.GetText(), nil
		}
		return "", err
	}
	return res.GetText(), nil
}

// qrSVG is the pass's QR code as inline SVG (generated here, so safe).
func qrSVG(text, title string) (template.HTML, error) {
	b, err := pass.QRSVG(text, title)
	if err != nil {
		return "", err
	}
	return template.HTML(b), nil //nolint:gosec // built by pass.QRSVG, title escaped there
}

func inspect(text string) (pass.Pass, error) { return pass.Inspect(text) }
