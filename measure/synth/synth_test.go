package synth

import (
	"bytes"
	"testing"

	"github.com/corfed/corfed/measure/ingest"
)

// The same seed writes the same files; the snapshots import without a
// problem; the holders' BNs are distinct.
func TestGenerateIsSeededAndImportable(t *testing.T) {
	gen := func(seed uint64) (h, s []byte) {
		d := Generate(Config{Seed: seed, Holders: 50, Others: 150, Years: 2})
		var hb, sb bytes.Buffer
		if err := d.WriteHolders(&hb); err != nil {
			t.Fatal(err)
		}
		if err := d.WriteSnapshots(&sb); err != nil {
			t.Fatal(err)
		}
		return hb.Bytes(), sb.Bytes()
	}
	h1, s1 := gen(7)
	h2, s2 := gen(7)
	h3, _ := gen(8)
	if !bytes.Equal(h1, h2) || !bytes.Equal(s1, s2) || bytes.Equal(h1, h3) {
		t.Fatal("the files do not depend on the seed alone")
	}
	res, err := ingest.ReadCSV(bytes.NewReader(s1), ingest.Options{})
	if err != nil || res.Err() != nil || len(res.Rows) != 400 {
		t.Fatalf("snapshots: %v %v %d rows", err, res.Err(), len(res.Rows))
	}
	if !bytes.Contains(h1, []byte("SYNTHETIC Employer")) || bytes.Count(h1, []byte("\n")) != 51 {
		t.Errorf("holders.csv: %.200s", h1)
	}
}
