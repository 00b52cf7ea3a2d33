package web

import (
	"math/rand/v2"
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
