package openapi_test

import "testing"

// TestCPLetterRequestNamesTheCP: a CP's letter request is requested by
// the CP (its token's subject); it may not name someone else.
func TestCPLetterRequestNamesTheCP(t *testing.T) {
	f := newFixture(t)
	code, m := call(t, "POST", f.srv.URL+"/v1/letters", f.tok["acsa"],
		`{"employer_bn":"812345676","certificate":"ACSA-20250417","host":"CA-BC","kind":"bid","requested_by":"admin@CA-AB (program administrator)"}`)
	if code != 422 || problemLocation(m) != "body.requested_by" {
		t.Errorf("CP ACSA named the administrator as requester: %d %v", code, m)
	}
	code, m = call(t, "POST", f.srv.URL+"/v1/letters", f.tok["acsa"],
		`{"employer_bn":"812345676","certificate":"ACSA-20250417","host":"CA-BC","kind":"bid"}`)
	rec, _ := m["record"].(map[string]any)
	if code != 201 || rec["requested_by"] != "cp:ACSA" {
		t.Errorf("CP ACSA's request: %d %v", code, m)
	}
}
