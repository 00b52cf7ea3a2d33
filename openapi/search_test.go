package openapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node/nodetest"
)

type searchPage struct {
	Certificates  []struct{ ID string }
	Count         int
	Total         *int
	TotalRelation string `json:"total_relation"`
	Cursor        string
}

// TestSearchPagesOverHTTP pages GET /v1/certificates with limit=2 and a
// cursor and finds what one large page finds; every page gives the exact
// total (the fixture is below the count cap: the node package tests the
// cap); an altered cursor, or one of other filters, is a 422 naming query.cursor.
func TestSearchPagesOverHTTP(t *testing.T) {
	f := newFixture(t)
	get := func(q url.Values) (int, searchPage, []byte) {
		status, _, body := f.do(t, "GET", "/v1/certificates?"+q.Encode(), "", "")
		var p searchPage
		if status == 200 {
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
		}
		return status, p, body
	}
	for _, filter := range []url.Values{{}, {"status": {"active"}}, {"program": {"COR"}}, {"name": {"a"}}, {"status": {"revoked"}, "program": {"COR"}}} {
		all := url.Values{"limit": {"500"}}
		for k, v := range filter {
			all[k] = v
		}
		_, whole, _ := get(all)
		var want []string
		for _, c := range whole.Certificates {
			want = append(want, c.ID)
		}
		var got []string
		q := url.Values{}
		for k, v := range filter {
			q[k] = v
		}
		q.Set("limit", "2")
		for pages := 0; ; pages++ {
			status, p, body := get(q)
			if status != 200 || pages > 20 {
				t.Fatalf("%v: %d %s", q, status, body)
			}
			if p.Count != len(p.Certificates) || p.Count > 2 {
				t.Fatalf("%v: count %d of %d certificates", q, p.Count, len(p.Certificates))
			}
			if p.Total == nil || *p.Total != len(want) || p.TotalRelation != "eq" {
				t.Errorf("%v: total %v %s, want %d eq", q, p.Total, p.TotalRelation, len(want))
			}
			for _, c := range p.Certificates {
				got = append(got, c.ID)
			}
			if p.Cursor == "" {
				break
			}
			q.Set("cursor", p.Cursor)
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%v: pages gave %v, one page %v", filter, got, want)
		}
	}

	_, p, _ := get(url.Values{"status": {"active"}, "limit": {"1"}})
	if p.Cursor == "" {
		t.Fatal("no cursor after one of several active certificates")
	}
	for name, q := range map[string]url.Values{
		"altered":       {"status": {"active"}, "cursor": {"x" + p.Cursor}},
		"other filters": {"status": {"suspended"}, "cursor": {p.Cursor}},
	} {
		status, _, body := get(q)
		var prob struct {
			Detail string
			Errors []struct{ Location string }
		}
		json.Unmarshal(body, &prob)
		if status != 422 || len(prob.Errors) != 1 || prob.Errors[0].Location != "query.cursor" {
			t.Errorf("%s cursor: %d %s, want 422 naming query.cursor", name, status, body)
		}
	}
}

// TestListPagesOverHTTP pages the maintenance and removal lists with
// limit=1 and a cursor: the pages give what one large page gives, each
// with the exact total; an altered cursor is a 422 naming query.cursor.
func TestListPagesOverHTTP(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true}) // a removal proposal, maintenance due
	f := &fixture{n: n, srv: httptest.NewServer(fullHandler(t, n))}
	t.Cleanup(f.srv.Close)
	type page struct {
		Items         []json.RawMessage
		Removals      []json.RawMessage
		Total         int
		TotalRelation string `json:"total_relation"`
		Cursor        string
	}
	get := func(path string, q url.Values) page {
		t.Helper()
		status, _, body := f.do(t, "GET", path+"?"+q.Encode(), "", "")
		var p page
		if status != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s?%s: %d %s", path, q.Encode(), status, body)
		}
		p.Items = append(p.Items, p.Removals...)
		return p
	}
	for _, path := range []string{"/v1/maintenance", "/v1/removals"} {
		q := url.Values{"due_before": {"2035-12-31"}}
		if path == "/v1/removals" {
			q = url.Values{"status": {"proposed"}}
		}
		q.Set("limit", "1000")
		whole := get(path, q)
		if len(whole.Items) == 0 || whole.Cursor != "" {
			t.Fatalf("%s: %d items, cursor %q; the fixture needs some", path, len(whole.Items), whole.Cursor)
		}
		q.Set("limit", "1")
		var got []json.RawMessage
		for range len(whole.Items) + 1 {
			p := get(path, q)
			if p.Total != len(whole.Items) || p.TotalRelation != "eq" {
				t.Errorf("%s: total %d %s, want %d eq", path, p.Total, p.TotalRelation, len(whole.Items))
			}
			got = append(got, p.Items...)
			if p.Cursor == "" {
				break
			}
			q.Set("cursor", p.Cursor)
		}
		if !reflect.DeepEqual(got, whole.Items) {
			t.Errorf("%s: pages of 1 gave %d items, one page %d", path, len(got), len(whole.Items))
		}
		q.Set("cursor", "x.y")
		status, _, body := f.do(t, "GET", path+"?"+q.Encode(), "", "")
		if status != 422 || !strings.Contains(string(body), "query.cursor") {
			t.Errorf("%s altered cursor: %d %s", path, status, body)
		}
	}
}
