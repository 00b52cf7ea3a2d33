package tiles_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/tiles"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestOpenCheckpointAcceptsWhatXModAccepts (review s29-i, M1 and L1): a
// checkpoint that golang.org/x/mod/sumdb/note opens and whose body follows
// C2SP tlog-checkpoint opens here too. C2SP signed-note: verifiers "MUST
// accept at least up to 16 signatures. Remember that post-quantum
// signatures can be up to nearly 5kB in size", and tlog-checkpoint says
// logs SHOULD use ML-DSA-44 cosignatures (2,420 bytes each); extension
// lines are OPTIONAL (NOT RECOMMENDED) but a reader does not refuse them.
// A 16 KiB bound refused 5 ML-DSA-44 cosignatures.
func TestOpenCheckpointAcceptsWhatXModAccepts(t *testing.T) {
	k, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, vkey, err := tiles.NoteSigner("corfed/CA-AB", k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	otherSig := func(i, n int) note.Signature {
		b := make([]byte, 4+n)
		rand.Read(b)
		return note.Signature{Name: "witness" + string(rune('a'+i)) + ".example/w", Hash: 0, Base64: base64.StdEncoding.EncodeToString(b)}
	}
	root := tlog.RecordHash([]byte("x"))
	for _, tc := range []struct {
		name   string
		text   string
		others int // unknown signatures added
		size   int // bytes of each
	}{
		{"16 Ed25519 cosignatures", tiles.CheckpointText("corfed/CA-AB", 7, root), 15, 64 + 8},
		{"5 ML-DSA-44 cosignatures", tiles.CheckpointText("corfed/CA-AB", 7, root), 5, 2420 + 8},
		{"16 signatures of nearly 5kB", tiles.CheckpointText("corfed/CA-AB", 7, root), 15, 4627},
		{"an extension line", tiles.CheckpointText("corfed/CA-AB", 7, root) + "ext\n", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := note.Sign(&note.Note{Text: tc.text}, s)
			if err != nil {
				t.Fatal(err)
			}
			n, err := note.Open(msg, note.VerifierList(v))
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.others {
				n.UnverifiedSigs = append(n.UnverifiedSigs, otherSig(i, tc.size))
			}
			// Re-encode with the extra lines as a witness would append them.
			var b strings.Builder
			b.WriteString(n.Text + "\n")
			for _, sg := range append(n.Sigs, n.UnverifiedSigs...) {
				b.WriteString("\u2014 " + sg.Name + " " + sg.Base64 + "\n")
			}
			full := []byte(b.String())
			if _, err := note.Open(full, note.VerifierList(v)); err != nil {
				t.Fatalf("x/mod refuses it too (%v): the case is wrong", err)
			}
			if _, _, err := tiles.OpenCheckpoint(full, "corfed/CA-AB", note.VerifierList(v)); err != nil {
				t.Errorf("x/mod's note.Open accepts this %d-byte checkpoint; OpenCheckpoint refuses it: %v", len(full), err)
			}
		})
	}
	// The bound stays: 40 signatures of nearly 5 kB are more than a
	// reader must take, and are refused before any signature is checked.
	big := []byte(tiles.CheckpointText("corfed/CA-AB", 7, root) + "\n")
	for i := range 40 {
		sg := otherSig(i%16, 4627)
		big = append(big, "\u2014 "+sg.Name+" "+sg.Base64+"\n"...)
	}
	if _, _, err := tiles.OpenCheckpoint(big, "corfed/CA-AB", note.VerifierList(v)); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("a %d-byte checkpoint: %v, want it refused by its size", len(big), err)
	}
}
