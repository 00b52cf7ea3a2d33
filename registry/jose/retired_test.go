package jose

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

// TestRetirementTime: a rotation records when the old key was retired; the
// keyring file, the published JWK and a JWKS read back carry it; a keyring
// saved before "exp" existed takes it from the next key's iat.
func TestRetirementTime(t *testing.T) {
	var r Keyring
	old, _ := r.Rotate(EdDSA, t0)
	k, _ := r.Rotate(EdDSA, t0.Add(90*24*time.Hour))
	if !old.Retired.Equal(k.Created) || !k.Retired.IsZero() {
		t.Fatalf("after rotation: old retired %v, new retired %v; want %v and zero", old.Retired, k.Retired, k.Created)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadKeyring(path)
	if err != nil || !back.Keys[0].Retired.Equal(k.Created) || !back.Keys[1].Retired.IsZero() {
		t.Fatalf("load: %v %+v", err, back)
	}
	jwks, err := r.PublicSet().MarshalJWKS()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(jwks), `"exp":`) {
		t.Fatalf("the JWKS says nothing of the retirement: %s", jwks)
	}
	set, err := ParseJWKS(jwks)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := set.Lookup(old.KID); !p.Retired.Equal(k.Created) || !p.Created.Equal(old.Created) {
		t.Fatalf("read back: created %v retired %v", p.Created, p.Retired)
	}

	// The file as this package wrote it before: no exp.
	raw, _ := os.ReadFile(path)
	var file struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(raw, &file)
	for _, key := range file.Keys {
		delete(key, "exp")
	}
	raw, _ = json.Marshal(file)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if back, err = LoadKeyring(path); err != nil {
		t.Fatal(err)
	}
	if !back.Keys[0].Retired.Equal(k.Created) {
		t.Fatalf("a keyring without exp: %v; retired %v, want %v", err, back.Keys[0].Retired, k.Created)
	}
}

func TestParseRetirementRefuses(t *testing.T) {
	k, _ := GenerateKey(EdDSA, t0)
	j, _ := k.Public().jwk()
	for _, tc := range []struct {
		name   string
		status string
		iat    int64
		exp    int64
	}{
		{"exp on an active key", StatusActive, t0.Unix(), t0.Unix() + 10},
		{"exp without status", "", t0.Unix(), t0.Unix() + 10},
		{"retired before made", StatusRetired, t0.Unix(), t0.Unix() - 1},
		{"negative exp", StatusRetired, t0.Unix(), -5},
		{"exp beyond any date", StatusRetired, t0.Unix(), 1 << 50},
		{"negative iat", StatusRetired, -1, t0.Unix()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := j
			j.Status, j.IAT, j.EXP = tc.status, &tc.iat, &tc.exp
			b, _ := json.Marshal(j)
			if _, err := ParsePublicJWK(b); !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("%s: got %v, want ErrInvalid", b, err)
			}
		})
	}
}

// TestWithKeepsRetirement: an announcement made while a key was active
// does not undo its retirement, and the earliest retirement known holds.
func TestWithKeepsRetirement(t *testing.T) {
	k, _ := GenerateKey(EdDSA, t0)
	active := k.Public()
	retired := active.RetiredAt(t0.Add(time.Hour))
	got, _ := NewKeySet(retired).With(active).Lookup(k.KID)
	if got.Status != StatusRetired || !got.Retired.Equal(t0.Add(time.Hour)) || !got.Created.Equal(t0) {
		t.Fatalf("retired, then the active announcement: %+v", got)
	}
	got, _ = NewKeySet(retired).With(active.RetiredAt(t0.Add(2 * time.Hour))).Lookup(k.KID)
	if !got.Retired.Equal(t0.Add(time.Hour)) {
		t.Fatalf("a later retirement replaced the earlier: %v", got.Retired)
	}
	got, _ = NewKeySet(active.RetiredAt(t0.Add(2 * time.Hour))).With(retired).Lookup(k.KID)
	if !got.Retired.Equal(t0.Add(time.Hour)) {
		t.Fatalf("an earlier retirement did not replace the later: %v", got.Retired)
	}
}

// TestJWTOfRetiredKey: a JWT signed by a key retired at a known time
// verifies if its iat is no later than the retirement, not after, and not
// without iat.
func TestJWTOfRetiredKey(t *testing.T) {
	var r Keyring
	old, _ := r.Rotate(EdDSA, t0)
	rotated := t0.Add(time.Hour)
	if _, err := r.Rotate(EdDSA, rotated); err != nil {
		t.Fatal(err)
	}
	set := r.PublicSet()
	now := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		name string
		iat  *time.Time
		ok   bool
	}{
		{"before", &t0, true},
		{"at the retirement", &rotated, true},
		{"after", &now, false},
		{"without iat", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims := map[string]any{"iss": "i", "aud": "a", "exp": now.Add(time.Hour).Unix()}
			if tc.iat != nil {
				claims["iat"] = tc.iat.Unix()
			}
			tok, err := old.SignJWT(claims)
			if err != nil {
				t.Fatal(err)
			}
			err = set.VerifyJWT(tok, now, "i", "a", nil)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, registry.ErrUnverified)) {
				t.Fatalf("got %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
