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
