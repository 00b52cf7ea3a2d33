package pass_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
)

var now = time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)

func newKey(t testing.TB, alg string) *jose.Key {
	t.Helper()
	k, err := jose.GenerateKey(alg, now)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// longPass is a realistic worst case: a long bilingual legal name with
// accents, a long scope, a long status URL, large indexes.
func longPass() pass.Pass {
	return pass.Pass{
		Iss: "CA-QC", IssuedAt: now, Expires: now.Add(3 * 365 * 24 * time.Hour),
		StatusIdx: 1_048_575, StatusURI: "https://registre-cor.cnesst.gouv.qc.ca/v1/status-list",
		CertificateID: "ASP-CONSTRUCTION-2026-000123", Number: "2026-000123", Program: "SECOR",
		EmployerName: "Les Entreprises de Construction et d'Excavation Béton Boréal du Saguenay–Lac-Saint-Jean Ltée / Boreal Concrete Construction and Excavation Enterprises Ltd.",
		EmployerBN:   "723456786",
		Scope:        "construction 236220 237310 238110 238120 238190 238210 238220 238290 238910",
		IssuedOn:     registry.MustDate("2026-06-28"), ExpiresOn: registry.MustDate("2029-06-28"),
		Seq: 4_000_000, LeafHash: bytes.Repeat([]byte{0xa7}, 16),
	}
}

func keysOf(j registry.Jurisdiction, ks ...*jose.Key) pass.KeysFunc {
	set := jose.NewKeySet()
	for _, k := range ks {
		set = set.With(k.Public())
	}
	return func(x registry.Jurisdiction) (*jose.KeySet, bool) { return set, x == j }
}

func TestEncodeVerify(t *testing.T) {
	k := newKey(t, jose.EdDSA)
	p := longPass()
	text, err := pass.Encode(p, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pass of a %d-byte name: %d characters: %s", len(p.EmployerName), len(text), text)
	if len(text) > pass.MaxSize || !strings.HasPrefix(text, pass.Prefix) {
		t.Fatalf("got %d characters, want at most %d starting with %s", len(text), pass.MaxSize, pass.Prefix)
	}
	for _, c := range text {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", c) {
			t.Fatalf("character %q is outside the QR alphanumeric set", c)
		}
	}
	got, err := pass.Verify(text, keysOf("CA-QC", newKey(t, jose.EdDSA), k), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.CertificateID != p.CertificateID || got.EmployerBN != p.EmployerBN || got.StatusIdx != p.StatusIdx ||
		got.StatusURI != p.StatusURI || got.Seq != p.Seq || !bytes.Equal(got.LeafHash, p.LeafHash) ||
		got.IssuedOn != p.IssuedOn || got.ExpiresOn != p.ExpiresOn || !got.Expires.Equal(p.Expires) || got.Program != "SECOR" {
		t.Errorf("round trip: got %+v, want %+v", got, p)
	}
	if len(got.EmployerName) > pass.MaxNameBytes || !strings.HasSuffix(got.EmployerName, "…") || !strings.HasPrefix(p.EmployerName, strings.TrimSuffix(got.EmployerName, "…")) {
		t.Errorf("name: got %q, want %q shortened to %d bytes", got.EmployerName, p.EmployerName, pass.MaxNameBytes)
	}
}

func TestVerifyRefuses(t *testing.T) {
	k, other := newKey(t, jose.EdDSA), newKey(t, jose.EdDSA)
	text, err := pass.Encode(longPass(), k)
	if err != nil {
		t.Fatal(err)
	}
	// Flip one character of the signature region (the end of the text).
	i := len(text) - 10
	c := byte('0')
	if text[i] == '0' {
		c = '1'
	}
	tampered := text[:i] + string(c) + text[i+1:]
	for _, tc := range []struct {
		name string
		text string
		keys pass.KeysFunc
		at   time.Time
		want error
	}{
		{"another key", text, keysOf("CA-QC", other), now, registry.ErrUnverified},
		{"another jurisdiction's keys", text, keysOf("CA-ON", k), now, registry.ErrUnverified},
		{"tampered", tampered, keysOf("CA-QC", k), now, registry.ErrInvalid},
		{"expired", text, keysOf("CA-QC", k), now.Add(4 * 365 * 24 * time.Hour), registry.ErrUnauthenticated},
		{"not yet issued", text, keysOf("CA-QC", k), now.Add(-time.Hour), registry.ErrUnverified},
		{"no prefix", strings.TrimPrefix(text, pass.Prefix), keysOf("CA-QC", k), now, pass.ErrNotPass},
		{"bad base45", pass.Prefix + "abc", keysOf("CA-QC", k), now, registry.ErrInvalid},
		{"not zlib", pass.Prefix + pass.Base45Encode([]byte("hello")), keysOf("CA-QC", k), now, registry.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pass.Verify(tc.text, tc.keys, tc.at)
			if tc.name == "tampered" && errors.Is(err, registry.ErrUnverified) {
				return // a flipped character may still decode: then the signature fails
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEncodeRefusesES256(t *testing.T) {
	if _, err := pass.Encode(longPass(), newKey(t, jose.ES256)); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", err)
	}
}

func TestBase45Vectors(t *testing.T) {
	// RFC 9285 §4.3.
	for _, tc := range []struct{ in, out string }{
		{"AB", "BB8"}, {"Hello!!", "%69 VD92EX0"}, {"base-45", "UJCLQE7W581"}, {"ietf!", "QED8WEX0"}, {"", ""},
	} {
		if got := pass.Base45Encode([]byte(tc.in)); got != tc.out {
			t.Errorf("encode %q: got %q, want %q", tc.in, got, tc.out)
		}
		if got, err := pass.Base45Decode(tc.out); err != nil || string(got) != tc.in {
			t.Errorf("decode %q: got %q %v, want %q", tc.out, got, err, tc.in)
		}
	}
	for _, bad := range []string{"GGW", "A", "ab", "ZZZZ"} {
		if _, err := pass.Base45Decode(bad); err == nil {
			t.Errorf("decode %q: got no error", bad)
		}
	}
}

// FuzzBase45: any bytes encode and decode back; any text that decodes
// is the one encoding of what it decodes to (RFC 9285 has no other).
func FuzzBase45(f *testing.F) {
	f.Add([]byte("ietf!"), "QED8WEX0")
	f.Add([]byte{}, "GGW")
	f.Add([]byte{0xff, 0xff}, "FGW")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		got, err := pass.Base45Decode(pass.Base45Encode(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x: %x %v", b, got, err)
		}
		if d, err := pass.Base45Decode(s); err == nil {
			if back := pass.Base45Encode(d); back != s {
				t.Fatalf("%q decodes to %x, which encodes as %q", s, d, back)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	k, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		f.Fatal(err)
	}
	text, err := pass.Encode(longPass(), k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add(pass.Prefix + "6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B3KL6QM5/OVGA/MAT%ZSM3K3NMKKB")
	keys := keysOf("CA-QC", k)
	want, err := pass.Verify(text, keys, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := pass.Verify(s, keys, now)
		ip, ierr := pass.Inspect(s)
		if err == nil {
			// Another text may verify only if it carries the same signed
			// message: the very pass signed, every claim of it.
			if !reflect.DeepEqual(p, want) {
				t.Fatalf("a different pass verified: %+v", p)
			}
			if ierr != nil || !reflect.DeepEqual(ip, p) {
				t.Fatalf("verified as %+v, inspected as %+v, %v", p, ip, ierr)
			}
			return
		}
		if ierr != nil {
			// What cannot be read is refused for that reason.
			if !errors.Is(err, pass.ErrNotPass) && !errors.Is(err, registry.ErrInvalid) || err.Error() != ierr.Error() {
				t.Fatalf("Verify: %v; Inspect: %v", err, ierr)
			}
			return
		}
		if !errors.Is(err, registry.ErrUnverified) && !errors.Is(err, registry.ErrUnauthenticated) {
			t.Fatalf("a readable pass refused with an error of no kind: %v", err)
		}
	})
}
