package pass_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
)

// An honest Nunavut certificate: an Inuktitut legal name in syllabics
// (3 bytes a character, shortened to 80 bytes), a certificate number and
// CP code at the lengths registry/ids.go allows, a full scope, and a
// status URL of a real-looking government host. Encode must fit it in
// pass.MaxSize (shortening the name further), and the pass must verify.
func TestHonestMaxFieldsPassFits(t *testing.T) {
	k, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, cp, number, scope, uri string }{
		{"syllabics name, long number", "NUCORSAFETYASSOC", "2026-NU-0004711-RECERT-AUDIT-B2", "construction 236220 237310 238110 2381",
			"https://cor-registry.wscc.nt.ca/v1/status-list"},
		{"syllabics name, ordinary ids", "NCSA", "2026-000123", "construction 236220 237310 238110 2381",
			"https://registry.wscc.nu.ca/v1/status-list"},
		{"syllabics name, ordinary ids, URL with a path", "NCSA", "2026-000123", "construction 236220 237310 238110 2381",
			"https://services.gov.nu.ca/wscc/cor-registry/v1/status-list"},
	} {
		p := pass.Pass{
			Iss: "CA-NU", IssuedAt: now, Expires: now.Add(3 * 365 * 24 * time.Hour),
			StatusIdx: 1_048_575, StatusURI: tc.uri,
			CertificateID: tc.cp + "-" + tc.number, Number: tc.number, Program: "COR",
			EmployerName: "ᓄᓇᕗᑦ ᐃᓪᓗᓕᐅᕐᓂᒃᑯᑦ ᑎᒥᖓ ᑲᑎᒪᔨᖏᑦ ᐃᖃᓗᐃᑦ ᓴᓇᔨᑦ ᓯᕗᓕᖅᑎᖏᑦ",
			EmployerBN:   "723456786",
			Scope:        tc.scope,
			IssuedOn:     registry.MustDate("2026-06-28"), ExpiresOn: registry.MustDate("2029-06-28"),
			Seq: 4_000_000, LeafHash: []byte{0x3f, 0x91, 0xc2, 0x07, 0xde, 0x5a, 0x88, 0x14, 0xb6, 0x2e, 0x71, 0xf0, 0x49, 0xa3, 0x0d, 0xec},
		}
		text, err := pass.Encode(p, k)
		if err != nil {
			t.Errorf("%s: honest certificate gets no pass: %v", tc.name, err)
			continue
		}
		t.Logf("%s: %d characters", tc.name, len(text))
		got, err := pass.Verify(text, func(registry.Jurisdiction) (*jose.KeySet, bool) { return jose.NewKeySet(k.Public()), true }, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(text) > pass.MaxSize || !pass.NameFits(p.EmployerName, got.EmployerName) {
			t.Errorf("%s: %d characters, name %q", tc.name, len(text), got.EmployerName)
		}
	}
	// What cannot fit is refused as invalid input naming a field.
	p := pass.Pass{Iss: "CA-NU", IssuedAt: now, Expires: now.Add(time.Hour), StatusURI: "https://example.ca/" + noise(400),
		CertificateID: "NCSA-1", Number: "1", Program: "COR", EmployerName: "A", EmployerBN: "723456786",
		IssuedOn: registry.MustDate("2026-06-28"), ExpiresOn: registry.MustDate("2029-06-28"), Seq: 1, LeafHash: make([]byte, 16)}
	if _, err := pass.Encode(p, k); len(registry.Problems(err)) == 0 {
		t.Errorf("a pass that cannot fit: %v; want a validation problem", err)
	}
}

// noise is n characters that do not compress.
func noise(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]
	}
	return string(b)
}

func TestNameAndScopeFits(t *testing.T) {
	legal := "ᓄᓇᕗᑦ ᐃᓪᓗᓕᐅᕐᓂᒃᑯᑦ ᑎᒥᖓ ᑲᑎᒪᔨᖏᑦ ᐃᖃᓗᐃᑦ ᓴᓇᔨᑦ ᓯᕗᓕᖅᑎᖏᑦ"
	for _, tc := range []struct {
		name string
		want bool
	}{
		{legal[:len(legal)-0], false}, // longer than MaxNameBytes: only shortened
		{pass.ShortName(legal), true},
		{legal[:31] + "…", true},
		{legal[:30] + "…", false}, // not at a character boundary
		{legal[:3] + "…", false},  // below the floor
		{"ᓄᓇᕗᑦ other…", false},
	} {
		if got := pass.NameFits(legal, tc.name); got != tc.want {
			t.Errorf("NameFits(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	c := registry.Certificate{Sector: "construction", IndustryScope: []string{"236220", "237310", "238110", "238120", "238910"}}
	for _, tc := range []struct {
		scope string
		want  bool
	}{
		{pass.Scope(c), true}, {"construction 2362…", true}, {"cons…", false}, {"construction 9…", false},
	} {
		if got := pass.ScopeFits(c, tc.scope); got != tc.want {
			t.Errorf("ScopeFits(%q) = %v, want %v", tc.scope, got, tc.want)
		}
	}
}
