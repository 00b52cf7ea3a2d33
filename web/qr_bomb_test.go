package web

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"testing"
)

// pngHeaderOnly is a PNG whose header declares w×h pixels of 16-bit RGBA,
// followed by an IDAT chunk with a zlib header only: a few dozen bytes
// that make image.Decode allocate w*h*8 bytes at once.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // 16-bit, RGBA, deflate, no filter, no interlace
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestDecodeQRRefusesHugeImagesBeforeDecoding: an image whose header
// declares more than maxQRPixels (or maxQRSide on a side) is refused from
// its header, without the allocation its size would take (before, a
// 302-byte upload declaring 60,000×60,000 pixels asked for 28.8 GB and the
// node died of it).
func TestDecodeQRRefusesHugeImagesBeforeDecoding(t *testing.T) {
	for _, c := range []struct{ w, h uint32 }{{60_000, 60_000}, {maxQRSide + 1, 10}, {5000, 5000}, {1 << 31, 1}} {
		img := pngHeaderOnly(c.w, c.h)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeQR(img)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%d×%d: decoded", c.w, c.h)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 { // the whole process counts: room for other goroutines, far under the 200 MB a 5000×5000 decode takes
			t.Errorf("%d×%d: %d bytes allocated to refuse a %d-byte image", c.w, c.h, grew, len(img))
		}
	}
}
