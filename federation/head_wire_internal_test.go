package federation

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// wireHead is a question and decision with every member set, and s (a
// string that may need escaping) in every string member.
func wireHead(s string) (QuestionJSON, equivalence.Decision) {
	ref := registry.Ref{Iss: registry.Jurisdiction(s), Kind: registry.Kind(s), ID: s, Ver: ^uint64(0), Seq: 7}
	q := QuestionJSON{BN: s, Host: registry.Jurisdiction(s), Sector: s, On: registry.MustDate("2026-11-25"), Use: s, Lang: equivalence.Lang(s)}
	d := equivalence.Decision{Outcome: s, Basis: s, ValidFrom: registry.MustDate("2026-01-02"), ValidUntil: registry.NewDate(9999, 12, 31),
		Conditions: []equivalence.Condition{{Code: s, Text: s, Met: true}, {}},
		Reasons:    []equivalence.Reason{{Code: s, Text: s, Refs: []registry.Ref{ref, {}}}, {Refs: []registry.Ref{}}},
		Evidence:   []registry.Ref{ref}}
	return q, d
}

// wireFreshness is a freshness report with every member set, and s in
// every string member.
func wireFreshness(s string, at time.Time) []Freshness {
	return []Freshness{
		{Jurisdiction: registry.Jurisdiction(s), Self: true, Seq: 9, PeerSize: 9, LastSuccess: at, AgeSeconds: 0},
		{Jurisdiction: "CA-BC", Seq: 0, AgeSeconds: -1, LastError: s},
		{LastSuccess: at.In(time.FixedZone("x", -3*3600-1800)), AgeSeconds: 1 << 40},
	}
}

func checkHeadWire(t *testing.T, q QuestionJSON, d equivalence.Decision) {
	t.Helper()
	want, err := json.Marshal(answerHead{Question: q, Decision: d})
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendHead([]byte("prefix"), &q, &d)
	if err != nil || !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendHead: %v\ngot  %s\nwant prefix%s", err, got, want)
	}
}

func checkFreshnessWire(t *testing.T, fs []Freshness) {
	t.Helper()
	want, wantErr := json.Marshal(fs)
	got, err := appendFreshness([]byte("prefix"), fs)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("appendFreshness: error %v, json.Marshal's %v", err, wantErr)
	}
	if err == nil && !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendFreshness:\ngot  %s\nwant prefix%s", got, want)
	}
}

// TestAppendHeadIsMarshal checks the hand-written question, decision and
// freshness encodings against json.Marshal, byte for byte, with members
// set and left out, and strings that need escaping.
func TestAppendHeadIsMarshal(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 4, 5, 123456789, time.UTC)
	for _, s := range []string{"", "plain", `q"b\s<a>&c` + "\x00\x1f\u2028\u2029é\xff"} {
		q, d := wireHead(s)
		checkHeadWire(t, q, d)
		checkHeadWire(t, QuestionJSON{BN: s}, equivalence.Decision{Outcome: s})
		checkHeadWire(t, QuestionJSON{}, equivalence.Decision{Reasons: []equivalence.Reason{}, Conditions: []equivalence.Condition{}, Evidence: []registry.Ref{}})
		checkFreshnessWire(t, wireFreshness(s, at))
	}
	checkFreshnessWire(t, nil)
	checkFreshnessWire(t, []Freshness{})
	checkFreshnessWire(t, wireFreshness("x", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)))
	checkFreshnessWire(t, wireFreshness("x", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)))
}

// FuzzAppendHead checks appendHead and appendFreshness against
// json.Marshal for any string in every string member and any instant.
func FuzzAppendHead(f *testing.F) {
	for _, s := range []string{"", "abc", `"\<>&`, "\u2028\x7f\x80", "Reconnu au Québec"} {
		f.Add(s, int64(1764687845), int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64) {
		q, d := wireHead(s)
		checkHeadWire(t, q, d)
		checkFreshnessWire(t, wireFreshness(s, time.Unix(sec, nsec).UTC()))
	})
}
