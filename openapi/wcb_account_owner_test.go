package openapi_test

import (
	"strings"
	"testing"
)

// TestCPCannotListAnotherEmployersWCBAccount: a WCB account is one
// employer's. A CP may not list on its employer an account open on
// another employer's record in the same province (a bulk match by it
// would turn ambiguous); the administrator may (it moves accounts).
func TestCPCannotListAnotherEmployersWCBAccount(t *testing.T) {
	f := newFixture(t)
	// ESC registers its own client, then lists Prairie Steel's account on it.
	if code, _, b := f.do(t, "POST", "/v1/employers", "esc",
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001"}]}`); code != 201 {
		t.Fatalf("register: %d %.300s", code, b)
	}
	code, m := call(t, "PUT", f.srv.URL+"/v1/employers/100000009", f.tok["esc"],
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001"},{"jurisdiction":"CA-AB","number":"4512876"}]}`)
	if code != 422 || problemLocation(m) != "body.wcb_accounts[1]" {
		t.Errorf("ESC listed Prairie Steel's WCB account 4512876: %d at %q: %v", code, problemLocation(m), m)
	}
	_, _, b := f.do(t, "POST", "/v1/match", "", `{"rows":[{"wcb_account":"4512876"}]}`)
	if !strings.Contains(string(b), `"state":"found"`) || strings.Contains(string(b), "100000009") {
		t.Errorf("match by Prairie Steel's account: %.300s", b)
	}
	// Another province's account of the same number is not Prairie Steel's.
	if code, _, b := f.do(t, "PUT", "/v1/employers/100000009", "esc",
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001"},{"jurisdiction":"CA-SK","number":"4512876"}]}`); code != 200 {
		t.Errorf("an account of the same number in another province: %d %.300s", code, b)
	}
	if code, _, b := f.do(t, "POST", "/v1/employers", "esc",
		`{"bn":"100000017","legal_name":"Nordic Two Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"45-12876"}]}`); code != 422 {
		t.Errorf("a new employer with Prairie Steel's account (written another way): %d %.300s", code, b)
	}
	// The administrator moves it.
	if code, _, b := f.do(t, "PUT", "/v1/employers/100000009", "admin",
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001"},{"jurisdiction":"CA-AB","number":"4512876"}]}`); code != 200 {
		t.Errorf("administrator: %d %.300s", code, b)
	}
}

// TestCPCannotReopenAWCBAccountMovedToAnotherEmployer: the administrator
// moves ESC's client's WCB account 7000001 to Prairie Steel, closing it on
// the client. ESC may not reopen it there (closed_on null): the account is
// open on Prairie Steel's record, and two open holders turn a bulk match by
// it ambiguous. Keeping it closed is a write like any other.
func TestCPCannotReopenAWCBAccountMovedToAnotherEmployer(t *testing.T) {
	f := newFixture(t)
	if code, _, b := f.do(t, "POST", "/v1/employers", "esc",
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001"}]}`); code != 201 {
		t.Fatalf("register: %d %.300s", code, b)
	}
	for _, w := range []struct{ path, body string }{
		{"/v1/employers/100000009", `{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":20,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001","closed_on":"2026-11-20"}]}`},
		{"/v1/employers/812345676", `{"bn":"812345676","legal_name":"Prairie Steel Erectors Ltd.","operating_names":["Prairie Steel"],"size_band":"standard","employee_count":140,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"]},{"jurisdiction":"CA-AB","number":"7000001","opened_on":"2026-11-21"}]}`},
	} {
		if code, _, b := f.do(t, "PUT", w.path, "admin", w.body); code != 200 {
			t.Fatalf("administrator moves the account, %s: %d %.300s", w.path, code, b)
		}
	}
	code, m := call(t, "PUT", f.srv.URL+"/v1/employers/100000009", f.tok["esc"],
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":21,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001","closed_on":null}]}`)
	if code != 422 || problemLocation(m) != "body.wcb_accounts[0]" {
		t.Errorf("ESC reopened the account moved to Prairie Steel: %d at %q: %v", code, problemLocation(m), m)
	}
	if code, _, b := f.do(t, "PUT", "/v1/employers/100000009", "esc",
		`{"bn":"100000009","legal_name":"Nordic Drilling Ltd.","size_band":"standard","employee_count":21,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"7000001","closed_on":"2026-11-20"}]}`); code != 200 {
		t.Errorf("ESC keeps the account closed: %d %.300s", code, b)
	}
	_, _, b := f.do(t, "POST", "/v1/match", "", `{"rows":[{"wcb_account":"7000001"}]}`)
	if !strings.Contains(string(b), `"state":"found"`) || !strings.Contains(string(b), "812345676") || strings.Contains(string(b), "100000009") {
		t.Errorf("match by the moved account: %.400s", b)
	}
}
