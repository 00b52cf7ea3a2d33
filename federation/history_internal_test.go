package federation

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestHistoryRule pins the rule of Lookups.history: every version signed
// by the end of the asked date in the host's zone, latest first.
func TestHistoryRule(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	f, err := New(Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	// Three versions of a certificate of CA-BC, signed by CA-BC and
	// verified into the replica as a sync would.
	k, err := jose.GenerateKey(jose.EdDSA, t0)
	if err != nil {
		t.Fatal(err)
	}
	keys := jose.NewKeySet(k.Public())
	vancouver, _ := time.LoadLocation("America/Vancouver")
	iats := []time.Time{
		time.Date(2026, 3, 1, 9, 0, 0, 0, vancouver),
		time.Date(2026, 4, 8, 23, 59, 59, 0, vancouver), // the last second of the day asked about
		time.Date(2026, 4, 9, 0, 0, 0, 0, vancouver),    // the first second after it
	}
	err = n.AppendReplica(t.Context(), "CA-BC", func(w node.ReplicaWriter) error {
		for i, iat := range iats {
			env := registry.Envelope{Iss: "CA-BC", Seq: uint64(i + 1), Kind: registry.KindCertificate, ID: "ACSA-1", Ver: uint64(i + 1),
				Iat: iat.Unix(), Record: json.RawMessage(`{}`)}
			v, err := VerifyEntry(keys, "CA-BC", signEnvelope(t, k, env))
			if err != nil {
				return err
			}
			if err := w.Append(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookups(f)
	var got []Evidence
	err = n.View(t.Context(), func(s node.Snapshot) error {
		got, err = l.history(s, equivalence.Question{Host: "CA-BC", On: registry.MustDate("2026-04-08")},
			[]Evidence{{Ref: registry.Ref{Iss: "CA-BC", Kind: registry.KindCertificate, ID: "ACSA-1", Ver: 3}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var vers []uint64
	for _, e := range got {
		vers = append(vers, e.Ver)
	}
	if len(vers) != 2 || vers[0] != 2 || vers[1] != 1 {
		t.Errorf("history on 2026-04-08 in Vancouver: got versions %v, want [2 1]", vers)
	}
}
