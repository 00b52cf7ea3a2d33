package statuslist

import (
	"testing"
	"time"
)

// TestCheckFetchedAndReplaces: which list a verifier takes in place of the
// one it holds, and which fetched list it treats as a failed fetch.
func TestCheckFetchedAndReplaces(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tok := func(iat time.Time, size uint64) Token { return Token{Iat: iat, TTL: 5 * time.Minute, LogSize: size} }
	for _, c := range []struct {
		name         string
		fetched      Token
		raw          string
		held         Token
		heldRaw      string
		replaces     bool
		fetchedFresh bool // at t0
	}{
		{"nothing held", tok(t0, 1), "a", Token{}, "", true, true},
		{"later", tok(t0.Add(time.Second), 1), "b", tok(t0, 9), "a", true, true},
		{"earlier", tok(t0.Add(-time.Second), 9), "b", tok(t0, 1), "a", false, true},
		{"same second, larger log", tok(t0, 10), "b", tok(t0, 9), "a", true, true},
		{"same second, same log, another token", tok(t0, 9), "b", tok(t0, 9), "a", false, true},
		{"same second, smaller log", tok(t0, 8), "b", tok(t0, 9), "a", false, true},
		{"the very token held", tok(t0, 9), "a", tok(t0, 9), "a", true, true},
		{"earlier than a held one dated within the skew", tok(t0, 1), "b", tok(t0.Add(30*time.Second), 1), "a", false, true},
		{"earlier than a held one dated in the future", tok(t0, 1), "b", tok(t0.Add(31*time.Second), 1), "a", true, true},
		{"earlier than a held one dated in the future, from a smaller log", tok(t0, 1), "b", tok(t0.Add(31*time.Second), 2), "a", false, true},
		{"dated in the future itself", tok(t0.Add(time.Hour), 1), "a", Token{}, "", true, true},
		{"at a ttl and a half plus the skew", tok(t0.Add(-7*time.Minute-30*time.Second-30*time.Second), 1), "a", Token{}, "", true, true},
		{"stale when served", tok(t0.Add(-8*time.Minute-time.Second), 1), "a", Token{}, "", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckReplaces(c.fetched, c.raw, c.held, c.heldRaw, t0); (err == nil) != c.replaces {
				t.Errorf("CheckReplaces: %v, want it to replace: %v", err, c.replaces)
			}
			if err := CheckFetched(c.fetched, t0); (err == nil) != c.fetchedFresh {
				t.Errorf("CheckFetched: %v, want usable: %v", err, c.fetchedFresh)
			}
		})
	}
}

// TestPaddingIsPending: the slots past the last status of the last byte
// are written Pending, not Valid; the statuses themselves are unchanged,
// and so is the list (a later Set still works on it).
func TestPaddingIsPending(t *testing.T) {
	l := new(List)
	l.Set(0, Valid)
	l.Set(4, Suspended)
	d, err := Decode(Bits, l.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{Valid, Valid, Valid, Valid, Suspended, Pending, Pending, Pending} {
		if got, ok := d.Get(uint64(i)); !ok || got != want {
			t.Errorf("index %d: got %d (in the list: %v), want %d", i, got, ok, want)
		}
	}
	l.Set(5, Valid)
	if d, _ := Decode(Bits, l.Encode()); d != nil {
		if got, _ := d.Get(5); got != Valid {
			t.Errorf("index 5 set after an encode: got %d, want valid", got)
		}
	}
}
