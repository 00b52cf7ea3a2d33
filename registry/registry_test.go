package registry_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

func TestValidBN(t *testing.T) {
	tests := []struct {
		bn   string
		want bool
	}{
		{"123456782", true}, // python-stdnum's example
		{"123456789", false},
		{"812345676", true},
		{"000000000", true},
		{"12345678", false},
		{"1234567820", false},
		{"12345678a", false},
		{"", false},
		{"１２３４５６７８２", false}, // full-width digits
	}
	for _, tc := range tests {
		if got := registry.ValidBN(tc.bn); got != tc.want {
			t.Errorf("ValidBN(%q): got %v, want %v", tc.bn, got, tc.want)
		}
	}
	for _, p := range []string{"12345678", "81234567", "00000001", "99999999"} {
		c, err := registry.BNCheckDigit(p)
		if err != nil || !registry.ValidBN(p+string(c)) {
			t.Errorf("BNCheckDigit(%q) = %q, %v: does not complete a valid BN", p, c, err)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		plus1m  string
		plus36m string
	}{
		{"2026-01-31", true, "2026-02-28", "2029-01-31"},
		{"2024-02-29", true, "2024-03-29", "2027-02-28"},
		{"2026-11-25", true, "2026-12-25", "2029-11-25"},
		{"2026-02-30", false, "", ""},
		{"2026-13-01", false, "", ""},
		{"26-01-01", false, "", ""},
		{"2026-1-01", false, "", ""},
		{"1899-12-31", false, "", ""},
		{"2026-01-01T00:00:00Z", false, "", ""},
	}
	for _, tc := range tests {
		d, err := registry.ParseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q): err %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		if got := d.AddMonths(1).String(); got != tc.plus1m {
			t.Errorf("%s + 1 month: got %s, want %s", tc.in, got, tc.plus1m)
		}
		if got := d.AddMonths(36).String(); got != tc.plus36m {
			t.Errorf("%s + 36 months: got %s, want %s", tc.in, got, tc.plus36m)
		}
	}
	a, b := registry.MustDate("2026-03-01"), registry.MustDate("2026-02-28")
	if !b.Before(a) || a.AddDays(-1) != b || registry.Min(a, b) != b || registry.Min(registry.Date{}, a) != a {
		t.Error("date ordering or arithmetic is wrong")
	}
}

func TestStatusOn(t *testing.T) {
	c := registry.Certificate{IssuedOn: registry.MustDate("2025-08-22"), ExpiresOn: registry.MustDate("2026-08-22"),
		History: []registry.StatusChange{
			{Status: "active", On: registry.MustDate("2025-08-22"), Reason: "issued"},
			{Status: "suspended", On: registry.MustDate("2026-03-10"), Reason: "review"},
			{Status: "active", On: registry.MustDate("2026-05-19"), Reason: "reinstated"},
		}}
	tests := []struct{ on, want string }{
		{"2025-08-21", ""}, {"2025-08-22", "active"}, {"2026-03-09", "active"}, {"2026-03-10", "suspended"},
		{"2026-05-18", "suspended"}, {"2026-05-19", "active"}, {"2026-08-22", "active"}, {"2026-08-23", "expired"},
	}
	for _, tc := range tests {
		if got := c.StatusOn(registry.MustDate(tc.on)); got != tc.want {
			t.Errorf("StatusOn(%s): got %q, want %q", tc.on, got, tc.want)
		}
	}
}

func TestStatusOnEdges(t *testing.T) {
	d := registry.MustDate
	tests := []struct {
		name string
		c    registry.Certificate
		on   string
		want string
	}{
		{"history starts after issue: not yet recorded",
			registry.Certificate{IssuedOn: d("2026-01-10"), History: []registry.StatusChange{{Status: "active", On: d("2026-02-01")}}}, "2026-01-20", ""},
		{"unsorted history from a peer",
			registry.Certificate{IssuedOn: d("2026-01-10"), History: []registry.StatusChange{{Status: "suspended", On: d("2026-06-01")}, {Status: "active", On: d("2026-01-10")}}}, "2026-07-01", "suspended"},
		{"two changes on one day: the later listed",
			registry.Certificate{IssuedOn: d("2026-01-10"), History: []registry.StatusChange{{Status: "active", On: d("2026-01-10")}, {Status: "revoked", On: d("2026-01-10")}}}, "2026-01-10", "revoked"},
		{"no history: the status field",
			registry.Certificate{IssuedOn: d("2026-01-10"), Status: "suspended"}, "2026-03-01", "suspended"},
		{"revoked stays revoked after expiry",
			registry.Certificate{IssuedOn: d("2026-01-10"), ExpiresOn: d("2027-01-10"), History: []registry.StatusChange{{Status: "revoked", On: d("2026-01-10")}}}, "2028-01-01", "revoked"},
		{"suspended becomes expired after expiry",
			registry.Certificate{IssuedOn: d("2026-01-10"), ExpiresOn: d("2027-01-10"), History: []registry.StatusChange{{Status: "suspended", On: d("2026-01-10")}}}, "2027-01-11", "expired"},
	}
	for _, tc := range tests {
		if got := tc.c.StatusOn(d(tc.on)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTransition(t *testing.T) {
	tests := []struct {
		from, action, want string
		kind               error
	}{
		{"active", "suspend", "suspended", nil},
		{"suspended", "reinstate", "active", nil},
		{"pending", "activate", "active", nil},
		{"active", "supersede", "superseded", nil},
		{"active", "reinstate", "", registry.ErrConflict},
		{"revoked", "reinstate", "", registry.ErrConflict},
		{"cancelled", "suspend", "", registry.ErrConflict},
		{"active", "delete", "", registry.ErrInvalid},
	}
	for _, tc := range tests {
		got, err := registry.Transition(tc.from, tc.action)
		if got != tc.want || (tc.kind == nil) != (err == nil) || (tc.kind != nil && !errors.Is(err, tc.kind)) {
			t.Errorf("Transition(%s, %s): got %q, %v; want %q, %v", tc.from, tc.action, got, err, tc.want, tc.kind)
		}
	}
}

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Béton  Boréal Ltée.", "beton boreal ltee"},
		{"ÎLE-VERTE & Fils", "ile verte fils"},
		{"Qu'Appelle Civil", "qu appelle civil"},
		{"Main-d'Œuvre Québec", "main d oeuvre quebec"},
		{"Main-d'oeuvre Quebec", "main d oeuvre quebec"},
		{"Cæsar Straße", "caesar strasse"},
		{"   ", ""},
	}
	for _, tc := range tests {
		if got := registry.FoldName(tc.in); got != tc.want {
			t.Errorf("FoldName(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCertificateValidate(t *testing.T) {
	base := func() registry.Certificate {
		return registry.Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "1", Program: "COR",
			EmployerBN: "123456782", Basis: "audit", IssuedOn: registry.MustDate("2026-01-10"), TermMonths: 36,
			ExpiresOn: registry.MustDate("2029-01-10"), Status: "active",
			History: []registry.StatusChange{{Status: "active", On: registry.MustDate("2026-01-10"), Reason: "issued"}}}
	}
	tests := []struct {
		name  string
		mod   func(*registry.Certificate)
		field string
	}{
		{"valid", func(*registry.Certificate) {}, ""},
		{"expiry the day before", func(c *registry.Certificate) { c.ExpiresOn = registry.MustDate("2029-01-09") }, ""},
		{"one-year term", func(c *registry.Certificate) {
			c.TermMonths, c.DocMonths, c.ExpiresOn = 12, 5, registry.MustDate("2027-01-10")
		}, ""},
		{"one-year term, 12 months of documentation", func(c *registry.Certificate) {
			c.TermMonths, c.DocMonths, c.ExpiresOn = 12, 12, registry.MustDate("2027-01-10")
		}, "body.term_months"},
		{"three-year term with 5 months of documentation", func(c *registry.Certificate) { c.DocMonths = 5 }, "body.term_months"},
		{"two months of documentation", func(c *registry.Certificate) { c.DocMonths = 2 }, "body.documentation_months"},
		{"expiry before issue", func(c *registry.Certificate) { c.ExpiresOn = registry.MustDate("2025-01-10") }, "body.expires_on"},
		{"expiry not term", func(c *registry.Certificate) { c.ExpiresOn = registry.MustDate("2028-01-10") }, "body.expires_on"},
		{"bad bn", func(c *registry.Certificate) { c.EmployerBN = "123456789" }, "body.employer_bn"},
		{"bad jurisdiction", func(c *registry.Certificate) { c.Jurisdiction = "CA-ZZ" }, "body.jurisdiction"},
		{"equivalency without ref", func(c *registry.Certificate) { c.Basis = "iso_equivalency" }, "body.basis_ref"},
		{"history before issue", func(c *registry.Certificate) { c.History[0].On = registry.MustDate("2025-01-01") }, "body.history[0].on"},
		{"status disagrees with history", func(c *registry.Certificate) { c.Status = "revoked" }, "body.status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(&c)
			err := c.Validate()
			var ve *registry.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Field != tc.field):
				t.Fatalf("got %v, want a validation error on %s", err, tc.field)
			}
		})
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-25", "2024-02-29", "2026-02-30", "0000-00-00", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := registry.ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		_ = d.AddMonths(36)
	})
}

func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"Béton Boréal", "ÎLE", "\xff\xfe", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := registry.FoldName(s)
		if !utf8.ValidString(out) || registry.FoldName(out) != out {
			t.Fatalf("FoldName(%q) = %q: not valid UTF-8 or not idempotent", s, out)
		}
		// A search reads a name by its NameKey and bulk match by its core
		// as a prefix of the same keys.
		if k, core := registry.NameKey(s), registry.SplitName(s).Core; registry.NameKey(k) != k || !strings.HasPrefix(k, core) {
			t.Fatalf("NameKey(%q) = %q: not idempotent, or does not start with the core %q", s, k, core)
		}
	})
}

func TestFoldNameConcurrently(t *testing.T) {
	done := make(chan bool)
	for range 8 {
		go func() {
			for range 200 {
				if got := registry.FoldName("Béton Boréal Ltée"); got != "beton boreal ltee" {
					t.Errorf("got %q", got)
				}
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
}
