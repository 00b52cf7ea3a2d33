package tiles_test

import (
	"bytes"
	"testing"

	"github.com/corfed/corfed/registry/tiles"
)

// FuzzParseBundle: ParseBundle never panics, and whatever it accepts
// re-encodes to the same bytes.
func FuzzParseBundle(f *testing.F) {
	b, _ := tiles.AppendEntry(nil, []byte("eyJhbGciOiJFZERTQSJ9.e30.sig"))
	b, _ = tiles.AppendEntry(b, []byte("x"))
	f.Add(b, 2)
	f.Add([]byte{0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 1}, 1)
	f.Fuzz(func(t *testing.T, data []byte, want int) {
		es, err := tiles.ParseBundle(data, want)
		if err != nil {
			return
		}
		if len(es) != want {
			t.Fatalf("%d entries, want %d", len(es), want)
		}
		var out []byte
		for _, e := range es {
			if out, err = tiles.AppendEntry(out, e); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out, data) {
			t.Fatal("re-encoding differs")
		}
	})
}

// FuzzParseCheckpointText: the parser never panics, and what it accepts is
// canonical (CheckpointText gives the same text back).
func FuzzParseCheckpointText(f *testing.F) {
	f.Add("corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n")
	f.Add("corfed/CA-AB\n05\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n")
	f.Add("o\n1\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := tiles.ParseCheckpointText(text)
		if err != nil {
			return
		}
		if got := tiles.CheckpointText(c.Origin, c.Size, c.Root); got != text {
			t.Fatalf("accepted %q, canonical form %q", text, got)
		}
	})
}
