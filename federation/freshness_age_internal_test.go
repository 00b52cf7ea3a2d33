package federation

import (
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestFreshnessAgeDoesNotWrap: a signed age_seconds is compared in
// seconds; one whose nanoseconds overflow an int64 (a hostile or broken
// signer's) is as old as it says, not the negative or tiny age the
// wrapped time.Duration would give.
func TestFreshnessAgeDoesNotWrap(t *testing.T) {
	synced := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		age   int64
		stale bool // older than five minutes
	}{
		{"fresh", 0, false},
		{"just five minutes", 300, false},
		{"a second more", 301, true},
		{"the largest age a Duration holds", 9223372036, true},
		{"wraps to a negative Duration", 9223372037, true},
		{"wraps to a quarter second", 18446744074, true},
		{"the largest int64", 1<<63 - 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Freshness{Jurisdiction: "CA-BC", LastSuccess: synced, AgeSeconds: tc.age}
			if got := f.Stale(5 * time.Minute); got != tc.stale {
				t.Errorf("age %d s: Stale(5m) = %v, want %v", tc.age, got, tc.stale)
			}
			c := ProofClaims{Iss: "CA-AB", Freshness: []Freshness{f},
				Decision: equivalence.Decision{Evidence: []registry.Ref{{Iss: "CA-BC", Kind: registry.KindCertificate, ID: "X", Ver: 1}}}}
			if stale, mayBeStale := signedStaleness(c); stale || mayBeStale != tc.stale {
				t.Errorf("age %d s: signedStaleness = %v, %v; want false, %v", tc.age, stale, mayBeStale, tc.stale)
			}
		})
	}
}
