package openapi_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
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
