package federation

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
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
	const log = "test/history"
	vancouver, _ := time.LoadLocation("America/Vancouver")
	iats := []time.Time{
		time.Date(2026, 3, 1, 9, 0, 0, 0, vancouver),
		time.Date(2026, 4, 8, 23, 59, 59, 0, vancouver), // the last second of the day asked about
		time.Date(2026, 4, 9, 0, 0, 0, 0, vancouver),    // the first second after it
	}
	err = n.DB.Update(t.Context(), func(tx *boltstore.Tx) error {
		for i, iat := range iats {
			e := registry.Entry{Iss: "CA-AB", Seq: uint64(i + 1), Kind: registry.KindCertificate, ID: "ACSA-1", Ver: uint64(i + 1),
				Iat: iat.Unix(), Record: json.RawMessage(`{}`), JWS: "jws" + string(rune('1'+i))}
			if err := tx.Log(log).Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookups(f)
	got, err := l.historyOf(t.Context(), log, equivalence.Question{Host: "CA-BC", On: registry.MustDate("2026-04-08")},
		[]Evidence{{Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "ACSA-1", Ver: 3}}})
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
