package web

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/pass"
)

// Every pass's PNG QR code reads back, whatever its length (so its QR
// version) and the width asked for: a pass whose picture our own verify
// page cannot read is a broken pass.
func TestQRPNGReadsBack(t *testing.T) {
	const base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	r := rand.New(rand.NewPCG(1, 2))
	for n := 200; n <= 600; n += 37 {
		b := make([]byte, n)
		for i := range b {
			b[i] = base45[r.IntN(len(base45))]
		}
		text := "COR1:" + string(b)
		for _, size := range []int{128, 320, 333, 512, 1024} {
			png, err := pass.QRPNG(text, size)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeQR(png)
			if err != nil || got != text {
				t.Errorf("%d characters at %d px: read back %q, %v", len(text), size, got, err)
			}
		}
	}
}

// Whatever its content: gozxing's detector alone missed about 1 in 40
// random passes' codes (one in two CI runs of this project hit one).
func TestQRPNGReadsBackAnyContent(t *testing.T) {
	const base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	r := rand.New(rand.NewPCG(3, 4))
	failed := 0
	for range 200 {
		b := make([]byte, 150+r.IntN(300))
		for i := range b {
			b[i] = base45[r.IntN(len(base45))]
		}
		text := "COR1:" + string(b)
		png, err := pass.QRPNG(text, 512)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeQR(png); err != nil || got != text {
			failed++
			t.Errorf("%d characters: read back %q, %v", len(text), got, err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of 200 codes did not read back", failed)
	}
}

// DecodeQR reads uploaded pictures: hostile bytes give an error, never a
// panic.
func FuzzDecodeQR(f *testing.F) {
	png, err := pass.QRPNG("COR1:"+strings.Repeat("A1", 80), 200)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(png)
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		_, _ = DecodeQR(b)
	})
}
