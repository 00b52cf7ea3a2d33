package jose

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

func TestKeyringSaveLoad(t *testing.T) {
	for _, alg := range []string{EdDSA, ES256} {
		t.Run(alg, func(t *testing.T) {
			var r Keyring
			if _, err := r.Rotate(alg, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Rotate(alg, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "keyring.json")
			if err := r.Save(path); err != nil {
				t.Fatalf("Save: %v", err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("got file mode %v, want 0600", got)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("got %d files in the directory, want 1 (no temp file left)", len(entries))
			}

			got, err := LoadKeyring(path)
			if err != nil {
				t.Fatalf("LoadKeyring: %v", err)
			}
			if len(got.Keys) != len(r.Keys) {
				t.Fatalf("got %d keys, want %d", len(got.Keys), len(r.Keys))
			}
			for i, want := range r.Keys {
				g := got.Keys[i]
				if g.KID != want.KID || g.Alg != want.Alg || g.Status != want.Status || !g.Created.Equal(want.Created) {
					t.Errorf("key %d: got %s %s %s %v, want %s %s %s %v", i, g.KID, g.Alg, g.Status, g.Created, want.KID, want.Alg, want.Status, want.Created)
				}
			}
			// The loaded private key signs what the saved public key verifies.
			tok := sign(t, got.Active(), []byte("after reload"), "")
			if _, err := r.PublicSet().Verify([]byte(tok)); err != nil {
				t.Errorf("Verify after reload: %v", err)
			}

			// The file is a JWKS with d, status and iat on every key.
			data, _ := os.ReadFile(path)
			var file struct{ Keys []map[string]any }
			if err := json.Unmarshal(data, &file); err != nil {
				t.Fatal(err)
			}
			for i, k := range file.Keys {
				for _, member := range []string{"d", "status", "iat", "kid", "alg"} {
					if _, ok := k[member]; !ok {
						t.Errorf("key %d: no member %q in %s", i, member, data)
					}
				}
			}
			// Its public half is refused as a public JWKS (it has private members).
			_, err = ParseJWKS(data)
			checkKind(t, err, registry.ErrInvalid)

			// Saving again replaces the file.
			if _, err := r.Rotate(alg, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := r.Save(path); err != nil {
				t.Fatalf("second Save: %v", err)
			}
			got, err = LoadKeyring(path)
			if err != nil || len(got.Keys) != 3 {
				t.Fatalf("got %d keys, error %v; want 3 keys", len(got.Keys), err)
			}
		})
	}
}

func TestLoadKeyringMissing(t *testing.T) {
	_, err := LoadKeyring(filepath.Join(t.TempDir(), "absent.json"))
	if !errors.Is(err, registry.ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want an error wrapping registry.ErrNotFound and fs.ErrNotExist", err)
	}
}

func TestLoadKeyringRejects(t *testing.T) {
	var r Keyring
	if _, err := r.Rotate(EdDSA, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Rotate(ES256, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := r.Save(good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	other := newTestKey(t, EdDSA)
	otherSeed, _ := other.RawEd25519()

	// editKeys rewrites the file through a map of each key's members.
	editKeys := func(f func(keys []map[string]any)) func(string) string {
		return func(s string) string {
			var file struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal([]byte(s), &file); err != nil {
				t.Fatal(err)
			}
			f(file.Keys)
			b, err := json.Marshal(file)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	tests := []struct {
		name string
		edit func(s string) string
	}{
		{"two active", editKeys(func(k []map[string]any) { k[0]["status"] = StatusActive })},
		{"none active", editKeys(func(k []map[string]any) { k[1]["status"] = StatusRetired })},
		{"no status", editKeys(func(k []map[string]any) { delete(k[0], "status") })},
		{"no iat", editKeys(func(k []map[string]any) { delete(k[0], "iat") })},
		{"iat not an integer", editKeys(func(k []map[string]any) { k[0]["iat"] = 1.5 })},
		{"no d", editKeys(func(k []map[string]any) { delete(k[1], "d") })},
		{"d of another key", editKeys(func(k []map[string]any) { k[0]["d"] = enc(otherSeed.Seed()) })},
		{"short d", editKeys(func(k []map[string]any) { k[1]["d"] = "AAAA" })},
		{"duplicate key", editKeys(func(k []map[string]any) { k[1] = k[0] })},
		{"not JSON", func(string) string { return "not json" }},
		{"empty", func(string) string { return "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "k.json")
			edited := tc.edit(string(data))
			if edited == string(data) {
				t.Fatalf("edit changed nothing")
			}
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKeyring(path)
			checkKind(t, err, registry.ErrInvalid)
		})
	}
}

func TestKeyringSaveRefusesInvalid(t *testing.T) {
	a, b := newTestKey(t, EdDSA), newTestKey(t, EdDSA)
	path := filepath.Join(t.TempDir(), "k.json")
	for _, tc := range []struct {
		name string
		r    Keyring
	}{
		{"empty", Keyring{}},
		{"two active", Keyring{Keys: []*Key{a, b}}},
		{"no key material", Keyring{Keys: []*Key{{KID: "x", Alg: EdDSA, Status: StatusActive}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Save(path)
			checkKind(t, err, registry.ErrInvalid)
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("got a file at %s (stat error %v), want none", path, err)
			}
		})
	}
}

func TestKeyringRotate(t *testing.T) {
	var r Keyring
	first, err := r.Rotate(EdDSA, t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Active() != first {
		t.Fatalf("got active %v, want the first key", r.Active())
	}
	old := sign(t, first, []byte("signed before rotation"), "")

	second, err := r.Rotate(EdDSA, t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Active(); got != second {
		t.Fatalf("got active %s, want %s", got.KID, second.KID)
	}
	if first.Status != StatusRetired {
		t.Errorf("got first key status %q, want %q", first.Status, StatusRetired)
	}
	if second.KID == first.KID {
		t.Fatalf("rotation reused kid %s", first.KID)
	}
	fresh := sign(t, r.Active(), []byte("signed after rotation"), "")

	pub := r.PublicSet()
	for _, tc := range []struct {
		name, token, kid string
	}{
		{"old signature, retired key", old, first.KID},
		{"new signature, active key", fresh, second.KID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := pub.Verify([]byte(tc.token))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.KID != tc.kid {
				t.Errorf("got kid %s, want %s", v.KID, tc.kid)
			}
		})
	}
	keys := pub.Keys()
	if len(keys) != 2 || keys[0].Status != StatusRetired || keys[1].Status != StatusActive {
		t.Errorf("got public set %+v, want [retired, active]", keys)
	}
	// A peer that pinned only the first key does not accept the new one
	// until it learns it.
	pinned := NewKeySet(first.Public())
	_, err = pinned.Verify([]byte(fresh))
	checkKind(t, err, registry.ErrUnverified)
	if _, err := pinned.With(second.Public()).Verify([]byte(fresh)); err != nil {
		t.Errorf("Verify after With: %v", err)
	}

	if _, err := r.Rotate("RS256", t0); err == nil {
		t.Errorf("Rotate(RS256): got no error, want one")
	}
	if r.Active() != second {
		t.Errorf("failed Rotate changed the active key")
	}
}
