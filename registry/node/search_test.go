package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// searchFixture is the seeded node plus certificates of every kind of
// timeline: issued in the past (expired by now), issued ahead (pending),
// suspended, revoked and reinstated, COR and SECOR, with employers whose
// names share prefixes and have operating names.
func searchFixture(t *testing.T) *testNode {
	t.Helper()
	tn := newTestNode(t, true)
	ctx := context.Background()
	for i := range 12 {
		e := testEmployer(100 + i)
		e.LegalName = []string{"Béton Alpha", "Beton Alpine", "Alpha Roofing", "Zeta Works"}[i%4] + fmt.Sprintf(" %d Inc.", i)
		if i%3 == 0 {
			e.OperatingNames = []string{"Beton Operating " + fmt.Sprint(i), "Béton Alpha Ops " + fmt.Sprint(i)}
		}
		if _, err := tn.PutEmployer(ctx, testAdmin, e, true); err != nil {
			t.Fatal(err)
		}
		for j := range 1 + i%3 {
			c := testCert(e.BN, fmt.Sprintf("S%02d-%d", i, j))
			c.IssuedOn = []registry.Date{registry.MustDate("2021-03-01"), registry.MustDate("2025-02-10"), registry.MustDate("2027-01-05"), registry.MustDate("2026-06-30")}[(i+j)%4]
			if (i+j)%5 == 0 {
				c.Program = registry.ProgramSECOR
			}
			if c.IssuedOn.After(registry.MustDate("2026-11-25")) {
				c.Status = registry.StatusPending
			}
			en, err := tn.CreateCertificate(ctx, testAdmin, c)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status == registry.StatusPending || c.IssuedOn.Year() == 2021 {
				continue
			}
			var steps []StatusRequest
			switch (i + 2*j) % 4 {
			case 1:
				steps = []StatusRequest{{Action: "suspend", On: registry.MustDate("2026-08-01")}}
			case 2:
				steps = []StatusRequest{{Action: "revoke", On: registry.MustDate("2026-09-01")}}
			case 3:
				steps = []StatusRequest{{Action: "suspend", On: registry.MustDate("2026-07-15")}, {Action: "reinstate", On: registry.MustDate("2026-08-15")}}
			}
			for _, r := range steps {
				r.Reason = "test"
				if _, err := tn.ChangeStatus(ctx, testAdmin, en.ID, r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return tn
}

// everyMatch is the search answered by reading every certificate.
func everyMatch(t *testing.T, n *Node, q Query) []string {
	t.Helper()
	if q.AsOf.IsZero() {
		q.AsOf = n.Today()
	}
	var out []string
	err := n.View(context.Background(), func(s Snapshot) error {
		l := s.Self()
		return l.Scan(registry.KindCertificate, func(e registry.Entry) bool {
			v, err := n.view(e, q.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			if !matches(v, q) {
				return true
			}
			if q.Name != "" {
				first, err := (&pager{n: n, l: l}).firstName(v.Certificate.EmployerBN, registry.FoldName(q.Name))
				if err != nil {
					t.Fatal(err)
				}
				if first == "" {
					return true
				}
			}
			out = append(out, e.ID)
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSearchPagesFindEveryMatchOnce pages every kind of search with small
// limits and compares the union of the pages with a full read: nothing
// missed, nothing twice, whatever the plan (index) and the date.
func TestSearchPagesFindEveryMatchOnce(t *testing.T) {
	tn := searchFixture(t)
	ctx := context.Background()
	var queries []Query
	for _, asOf := range []string{"", "2024-06-01", "2026-07-01", "2026-08-20", "2028-01-01", "2031-01-01"} {
		var d registry.Date
		if asOf != "" {
			d = registry.MustDate(asOf)
		}
		for _, st := range []string{"", "active", "pending", "suspended", "revoked", "expired"} {
			for _, prog := range []string{"", "COR", "SECOR"} {
				queries = append(queries, Query{Status: st, Program: prog, AsOf: d})
			}
			queries = append(queries, Query{Name: "beton", Status: st, AsOf: d}, Query{Name: "Alpha", Status: st, AsOf: d},
				Query{BN: testBN(100), Status: st, AsOf: d}, Query{Number: "s04-1", AsOf: d})
		}
	}
	queries = append(queries, Query{Name: "béton alpha"}, Query{Name: "zzz"}, Query{BN: testBN(104), Name: "alpha"}, Query{BN: testBN(104), Name: "zeta"})
	nonEmpty := 0
	for _, q := range queries {
		want := everyMatch(t, tn.Node, q)
		if len(want) > 0 {
			nonEmpty++
		}
		for _, limit := range []int{1, 3, 50} {
			q := q
			q.Limit = limit
			var got []string
			for page := 0; ; page++ {
				if page > 100 {
					t.Fatalf("%+v: more than 100 pages", q)
				}
				r, err := tn.SearchCertificatesPage(ctx, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				if len(r.Certificates) > limit {
					t.Fatalf("%+v: %d on a page", q, len(r.Certificates))
				}
				if !r.TotalExact || r.Total != len(want) { // the fixture is below the count cap
					t.Errorf("%+v: total %d (exact %v), want %d exact", q, r.Total, r.TotalExact, len(want))
				}
				for _, v := range r.Certificates {
					got = append(got, v.Entry.ID)
				}
				if r.Next == "" {
					break
				}
				q.Cursor = r.Next
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%+v (limit %d): pages gave %v, want %v", q, limit, got, want)
			}
		}
	}
	if nonEmpty < len(queries)/2 {
		t.Errorf("only %d of %d queries match anything: the fixture does not exercise the plans", nonEmpty, len(queries))
	}
}

// TestSearchCountCap: with the count cap set small, a search with more
// matches than the cap answers at least (not exact) a count within the
// cap, one below it answers exactly or at least a lower bound (a sparse
// walk can spend the cap on entries that do not match), and the total
// never exceeds the matches.
func TestSearchCountCap(t *testing.T) {
	tn := searchFixture(t)
	ctx := context.Background()
	queries := []Query{{Status: "active"}, {Program: "COR"}, {Name: "beton"}, {Name: "a"}, {Status: "expired", Program: "COR"},
		{Status: "suspended", AsOf: registry.MustDate("2026-08-20")}, {Program: "SECOR"}}
	var above, exactBelow int
	for _, capN := range []int{1, 3, 5} {
		tn.Node.cfg.SearchCountCap = capN
		for _, q := range queries {
			want := len(everyMatch(t, tn.Node, q))
			q.Limit = 2
			r, err := tn.SearchCertificatesPage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case r.TotalExact && r.Total != want:
				t.Errorf("cap %d, %+v: total %d exact, want %d", capN, q, r.Total, want)
			case !r.TotalExact && (r.Total > want || r.Total > capN):
				t.Errorf("cap %d, %+v: total at least %d; %d match, the cap is %d", capN, q, r.Total, want, capN)
			case want > capN && r.TotalExact:
				t.Errorf("cap %d, %+v: %d matches counted exactly past the cap", capN, q, want)
			}
			if want > capN {
				above++
			} else if r.TotalExact {
				exactBelow++
			}
		}
	}
	if above == 0 || exactBelow == 0 {
		t.Errorf("%d searches above the cap, %d exact below it: the fixture does not exercise both", above, exactBelow)
	}
}

// TestSearchCursorRefused: a cursor that was altered, or that belongs to
// other filters, is refused naming query.cursor; a cursor keeps the date
// its first page answered on.
func TestSearchCursorRefused(t *testing.T) {
	tn := searchFixture(t)
	ctx := context.Background()
	r, err := tn.SearchCertificatesPage(ctx, Query{Status: "active", Limit: 2})
	if err != nil || r.Next == "" {
		t.Fatalf("first page: %+v, %v", r, err)
	}
	body, sum, _ := strings.Cut(r.Next, ".")
	for name, c := range map[string]string{
		"not base64":     "!!!",
		"no checksum":    body,
		"altered body":   body[:len(body)-2] + "AA." + sum,
		"altered sum":    body + "." + strings.Repeat("A", len(sum)),
		"another search": "",
	} {
		q := Query{Status: "active", Limit: 2, Cursor: c}
		if name == "another search" {
			q = Query{Status: "suspended", Limit: 2, Cursor: r.Next}
		}
		_, err := tn.SearchCertificatesPage(ctx, q)
		var fe *registry.ValidationError
		if !errors.As(err, &fe) || fe.Field != "query.cursor" || !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s: got %v, want an invalid query.cursor", name, err)
		}
	}
}

// TestStatusSpans checks the timeline the status index is built from
// against StatusOnDate on every day of a certificate's life.
func TestStatusSpans(t *testing.T) {
	c := registry.Certificate{IssuedOn: registry.MustDate("2025-02-10"), ExpiresOn: registry.MustDate("2028-02-09"), Status: registry.StatusActive,
		History: []registry.StatusChange{
			{Status: registry.StatusActive, On: registry.MustDate("2025-02-10")},
			{Status: registry.StatusSuspended, On: registry.MustDate("2026-07-15")},
			{Status: registry.StatusActive, On: registry.MustDate("2026-08-15")},
			{Status: registry.StatusRevoked, On: registry.MustDate("2026-08-20"), Annulled: &registry.Annulment{}},
		}}
	spans := statusSpans(c)
	for d := registry.MustDate("2024-12-25"); d.Before(registry.MustDate("2028-03-01")); d = d.AddDays(1) {
		ds := d.String()
		var in []string
		for _, s := range spans {
			if s.from <= ds && ds <= s.until {
				in = append(in, s.status)
			}
		}
		if want := StatusOnDate(c, d); len(in) != 1 || in[0] != want {
			t.Fatalf("%s: spans %v give %v, StatusOnDate %s", ds, spans, in, want)
		}
	}
}

// TestMergeWalks: the merged walk of every program's status timeline gives
// the hits of all programs, the program cut from each value, in index
// order ((value, kind, id) in bytes), each once; started after any hit it
// gives exactly the hits after it; and a stop ends it.
func TestMergeWalks(t *testing.T) {
	tn := searchFixture(t)
	programs := registry.CertificatePrograms()
	err := tn.View(context.Background(), func(sn Snapshot) error {
		l := sn.Self()
		s := &pager{l: l}
		for _, status := range []string{"active", "pending", "suspended", "revoked", "expired", "a", ""} {
			// Every program's hits read one by one, cut and sorted.
			var want []registry.IndexHit
			perProgram := map[string]int{}
			for _, p := range programs {
				if err := l.Walk("stp", p+"/"+status, registry.IndexHit{}, func(h registry.IndexHit) bool {
					h.Value = strings.TrimPrefix(h.Value, p+"/")
					want = append(want, h)
					perProgram[p]++
					return true
				}); err != nil {
					return err
				}
			}
			slices.SortFunc(want, func(a, b registry.IndexHit) int {
				switch {
				case hitLess(a, b):
					return -1
				case hitLess(b, a):
					return 1
				}
				return 0
			})
			if status == "active" && (perProgram["COR"] == 0 || perProgram["SECOR"] == 0) {
				t.Fatalf("fixture: active hits per program %v; want both programs", perProgram)
			}
			merged := func(from registry.IndexHit, stopAfter int) []registry.IndexHit {
				var got []registry.IndexHit
				err := s.mergeWalks("stp", programs, status, from, func(h registry.IndexHit) (bool, error) {
					got = append(got, h)
					return len(got) < stopAfter, nil
				})
				if err != nil {
					t.Fatalf("%q: %v", status, err)
				}
				return got
			}
			if got := merged(registry.IndexHit{}, len(want)+1); !slices.Equal(got, want) {
				t.Errorf("status %q: merged walk\n%v\nwant\n%v", status, got, want)
			}
			for i, from := range want {
				if got := merged(from, len(want)+1); !slices.Equal(got, want[i+1:]) {
					t.Errorf("status %q after %v: merged walk\n%v\nwant\n%v", status, from, got, want[i+1:])
				}
			}
			if len(want) > 2 {
				if got := merged(registry.IndexHit{}, 2); !slices.Equal(got, want[:2]) {
					t.Errorf("status %q, stopped after 2: %v, want %v", status, got, want[:2])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
