package pass_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
)

// TestPassOfRetiredKey: a key retired at a known time verifies the passes
// it signed until then, and none it signed after (a leaked key's); a key
// retired at an unknown time, or still active, verifies both.
func TestPassOfRetiredKey(t *testing.T) {
	var ring jose.Keyring
	old, err := ring.Rotate(jose.EdDSA, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rotatedAt := now.Add(-time.Hour)
	if _, err := ring.Rotate(jose.EdDSA, rotatedAt); err != nil {
		t.Fatal(err)
	}
	signedAt := func(at time.Time) string {
		p := longPass()
		p.IssuedAt = at
		text, err := pass.Encode(p, old)
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	retired := old.Public()
	if retired.Status != jose.StatusRetired || !retired.Retired.Equal(rotatedAt) {
		t.Fatalf("the rotated key: status %s, retired %v; want retired at %v", retired.Status, retired.Retired, rotatedAt)
	}
	unknown := retired
	unknown.Retired = time.Time{}
	active := old.Public()
	active.Status, active.Retired = jose.StatusActive, time.Time{}
	set := func(k jose.PublicKey) pass.KeysFunc {
		s := jose.NewKeySet(k)
		return func(j registry.Jurisdiction) (*jose.KeySet, bool) { return s, j == "CA-QC" }
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		key  jose.PublicKey
		ok   bool
	}{
		{"signed a day before its retirement", now.Add(-24 * time.Hour), retired, true},
		{"signed in the second it was retired", rotatedAt, retired, true},
		{"signed a second after", rotatedAt.Add(time.Second), retired, false},
		{"signed after, retirement time unknown", now, unknown, true},
		{"signed after, key still pinned as active", now, active, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pass.Verify(signedAt(tc.at), set(tc.key), now)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.ok && (!errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "retired")):
				t.Fatalf("got %v, want a refusal naming the retirement", err)
			}
		})
	}
}
