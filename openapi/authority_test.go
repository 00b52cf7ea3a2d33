package openapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node"
)

// TestAuthorityMatrix runs every write operation over real HTTP as each
// kind of caller: anonymous, the administrator, two certifying partners
// (ACSA, ESC) and a CP the administrator suspended (AMHSA). Each caller
// gets a fresh seeded node, on which the administrator first suspends
// AMHSA and suspends certificate ACSA-20240988. It checks the status of
// every call, that a successful write records its author (role, CP, token
// id) in the signed envelope, that a refused write changes nothing, and
// that every bearer operation of the spec refuses an anonymous caller.
func TestAuthorityMatrix(t *testing.T) {
	type row struct {
		name, method, path, body string
		want                     map[string]int // caller -> status
	}
	all := func(admin, acsa, esc, suspended int) map[string]int {
		return map[string]int{"": 401, "admin": admin, "acsa": acsa, "esc": esc, "amhsa": suspended}
	}
	rows := []row{
		{"register an employer", "POST", "/v1/employers", `{"bn":"123456782","legal_name":"Matrix Builders Ltd"}`, all(201, 201, 201, 403)},
		// The seeded certificates rest on no audit recorded on the node:
		// they grant their CP nothing (TestEmployerGrantNeedsAnAuditRecordedHere).
		{"change an employer ACSA certifies with no audit here", "PUT", "/v1/employers/812345676", `{"bn":"812345676","legal_name":"Prairie Steel Erectors Ltd.","operating_names":["Prairie Steel"],"wcb_accounts":[{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"]}],"size_band":"standard","employee_count":141}`, all(200, 403, 403, 403)},
		{"change an employer ESC certifies with no audit here", "PUT", "/v1/employers/791352461", `{"bn":"791352461","legal_name":"Wildrose Pipeline Services","wcb_accounts":[{"jurisdiction":"CA-AB","number":"3987120","industry_codes":["213111"]}],"size_band":"standard","employee_count":220}`, all(200, 403, 403, 403)},
		{"register a CP", "POST", "/v1/cps", `{"id":"NEWCP","name":"New Safety Association","status":"active"}`, all(201, 403, 403, 403)},
		{"change a CP", "PUT", "/v1/cps/AMHSA", `{"id":"AMHSA","name":"Alberta Municipal Health and Safety Association","sectors":["municipal"],"status":"suspended"}`, all(200, 403, 403, 403)},
		{"issue an ACSA certificate", "POST", "/v1/certificates", `{"issuer":"ACSA","number":"M1","program":"COR","employer_bn":"812345676","issued_on":"2026-01-10","sector":"construction"}`, all(201, 201, 403, 403)},
		{"correct an ACSA certificate", "PUT", "/v1/certificates/ACSA-20250417", `{"wcb_accounts":["4512876"],"industry_scope":["236220"],"sector":"construction"}`, all(200, 200, 403, 403)},
		{"correct the certificate the administrator suspended", "PUT", "/v1/certificates/ACSA-20240988", `{"wcb_accounts":["5023341"],"industry_scope":["236220"],"sector":"roofing"}`, all(200, 403, 403, 403)},
		{"lift the administrator's suspension", "PATCH", "/v1/certificates/ACSA-20240988", `{"action":"reinstate","reason":"action plan accepted","on":"2026-11-25"}`, all(200, 403, 403, 403)},
		{"suspend an ACSA certificate", "POST", "/v1/certificates/ACSA-20250417/status", `{"action":"suspend","reason":"Employer Review opened","on":"2026-11-25"}`, all(200, 200, 403, 403)},
		{"record an equivalency", "POST", "/v1/equivalencies", `{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B","valid_from":"2025-01-01","valid_to":"2028-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`, all(201, 403, 403, 403)},
		{"sync the peers", "POST", "/v1/peers/sync", "", all(200, 403, 403, 403)},
	}
	for _, caller := range []string{"", "admin", "acsa", "esc", "amhsa"} {
		t.Run("caller="+caller, func(t *testing.T) {
			f := newFixture(t)
			f.tok["amhsa"] = f.n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "AMHSA"})
			for _, setup := range [][3]string{
				{"PUT", "/v1/cps/AMHSA", `{"id":"AMHSA","name":"Alberta Municipal Health and Safety Association","sectors":["municipal"],"status":"suspended"}`},
				{"PATCH", "/v1/certificates/ACSA-20240988", `{"action":"suspend","reason":"Employer Review: fatality","on":"2026-11-20"}`},
			} {
				if code, _, b := f.do(t, setup[0], setup[1], "admin", setup[2]); code != 200 {
					t.Fatalf("setup %s %s: %d %s", setup[0], setup[1], code, b)
				}
			}
			for _, r := range rows {
				size := feedSize(t, f)
				code, _, b := f.do(t, r.method, r.path, caller, r.body)
				if want := r.want[caller]; code != want {
					t.Errorf("%s (%s %s): got %d, want %d: %s", r.name, r.method, r.path, code, want, b)
					continue
				}
				after := feedSize(t, f)
				if code >= 300 && after != size {
					t.Errorf("%s: refused with %d but the feed grew from %d to %d", r.name, code, size, after)
				}
				if code < 300 && r.path != "/v1/peers/sync" {
					var rec struct {
						By *struct{ Role, CP, JTI string }
					}
					_ = json.Unmarshal(b, &rec)
					p, err := f.n.Authenticate(f.tok[caller])
					if err != nil {
						t.Fatal(err)
					}
					if rec.By == nil || rec.By.Role != p.Role || rec.By.CP != p.CP || rec.By.JTI != p.TokenID {
						t.Errorf("%s: signed version attributed to %+v, want role %s cp %q jti %s", r.name, rec.By, p.Role, p.CP, p.TokenID)
					}
				}
			}
		})
	}

	t.Run("every bearer operation refuses an anonymous caller", func(t *testing.T) {
		f := newFixture(t)
		code, _, b := f.do(t, "GET", "/openapi.json", "", "")
		if code != 200 {
			t.Fatal(code)
		}
		var spec struct {
			Paths map[string]map[string]struct {
				Security []map[string][]string `json:"security"`
			}
		}
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		n := 0
		size := feedSize(t, f)
		for path, ops := range spec.Paths {
			for method, o := range ops {
				if len(o.Security) == 0 {
					continue
				}
				n++
				p := strings.NewReplacer("{id}", "ACSA-20250417", "{bn}", "812345676", "{ver}", "1").Replace(path)
				if code, _, b := f.do(t, strings.ToUpper(method), p, "", `{}`); code != http.StatusUnauthorized {
					t.Errorf("%s %s without a token: %d, want 401: %s", method, p, code, b)
				}
			}
		}
		if n < 10 {
			t.Errorf("found %d bearer operations in the spec, want at least 10", n)
		}
		if after := feedSize(t, f); after != size {
			t.Errorf("anonymous writes grew the feed from %d to %d", size, after)
		}
	})
}

func feedSize(t *testing.T, f *fixture) uint64 {
	t.Helper()
	_, size, err := f.n.Feed(t.Context(), ^uint64(0), 1)
	if err != nil {
		t.Fatal(err)
	}
	return size
}

// TestImportChecksScopesBeforeReadingTheFile: a token that may not import
// is refused (403) before its file is read: a workbook of a few KB can
// expand to hundreds of MB in the reader, which only a caller who may
// import should be able to spend. Before, the file was read first, and a
// token without the scopes got the file's problem (here: not a workbook).
func TestImportChecksScopesBeforeReadingTheFile(t *testing.T) {
	f := newFixture(t)
	f.tok["employers-only"] = f.n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeEmployers}})
	for caller, want := range map[string]int{"": 401, "employers-only": 403, "acsa": 422} {
		code, _, b := f.do(t, "POST", "/v1/imports?format=xlsx&dry_run=true", caller, "not a workbook")
		if code != want {
			t.Errorf("caller %q: got %d, want %d: %s", caller, code, want, b)
		}
	}
}

// TestImportFirstRowIsBounded: first_row numbers the rows of a file sent
// in parts; one past 1,000,000,000 (where the row numbers of problems
// would overflow) is refused naming the field, and nothing is imported.
func TestImportFirstRowIsBounded(t *testing.T) {
	f := newFixture(t)
	body := "employer_bn,legal_name,cp,number,program,issued_on,expires_on\n"
	for _, c := range []struct {
		first string
		want  int
	}{{"9223372036854775807", 422}, {"1000000001", 422}, {"0", 422}, {"1000000000", 200}} {
		code, _, b := f.do(t, "POST", "/v1/imports?format=csv&dry_run=true&first_row="+c.first, "acsa", body)
		if code != c.want || (c.want == 422 && !strings.Contains(string(b), "query.first_row")) {
			t.Errorf("first_row=%s: got %d, want %d naming query.first_row: %s", c.first, code, c.want, b)
		}
	}
}

// TestCPCannotLiftABackdatedAdminSuspension: the administrator's
// suspension recorded late (back-dated before the CP's own suspension)
// still binds the CP: its reinstatement is refused (403) and the
// certificate stays suspended. Before, only the last history entry (the
// CP's own) was looked at.
func TestCPCannotLiftABackdatedAdminSuspension(t *testing.T) {
	f := newFixture(t)
	const c = "/v1/certificates/ACSA-20250417"
	f.statusSteps(t, c, []statusStep{
		{"acsa", `{"action":"suspend","reason":"CP internal hold","on":"2026-11-24"}`, 200},
		{"admin", `{"action":"suspend","reason":"Employer Review: fatality (recorded late)","on":"2026-11-20"}`, 200},
		{"acsa", `{"action":"reinstate","reason":"we lift it ourselves","on":"2026-11-25"}`, 403},
	})
	if _, _, b := f.do(t, "GET", c, "", ""); !strings.Contains(string(b), `"status_as_of":"suspended"`) {
		t.Errorf("certificate after the refused reinstatement: %.300s", b)
	}
}

// TestCPCannotTakeOverAnotherPartysEmployer: a CP that issues itself a
// pending certificate for an employer another party registered, or holds
// only a cancelled one, may not rewrite that employer (403); before, any
// certificate of the CP, in any status, counted.
func TestCPCannotTakeOverAnotherPartysEmployer(t *testing.T) {
	f := newFixture(t)
	const emp = "/v1/employers/791352461"
	hijack := `{"bn":"791352461","legal_name":"Hijacked Name Ltd"}`
	steps := []struct{ method, path, body string }{
		{"PUT", emp, hijack},
		{"POST", "/v1/certificates", `{"issuer":"ACSA","number":"X1","program":"COR","employer_bn":"791352461","issued_on":"2026-11-01","status":"pending","sector":"construction"}`},
		{"PUT", emp, hijack},
		{"PATCH", "/v1/certificates/ACSA-X1", `{"action":"cancel","reason":"not needed"}`},
		{"PUT", emp, hijack},
	}
	for i, s := range steps {
		code, _, b := f.do(t, s.method, s.path, "acsa", s.body)
		want := 403
		if s.method != "PUT" {
			want = map[string]int{"POST": 201, "PATCH": 200}[s.method]
		}
		if code != want {
			t.Errorf("step %d %s %s: got %d, want %d: %.200s", i, s.method, s.path, code, want, b)
		}
	}
	if _, _, b := f.do(t, "GET", emp, "", ""); strings.Contains(string(b), "Hijacked") {
		t.Errorf("employer rewritten: %.300s", b)
	}
}

// TestAdminSuspendsOverACPSuspension: the administrator may suspend a
// certificate its CP suspended first (an Employer Review's suspension
// must not be refused as a conflict), and the CP then cannot lift it.
func TestAdminSuspendsOverACPSuspension(t *testing.T) {
	f := newFixture(t)
	f.statusSteps(t, "/v1/certificates/ACSA-20250417", []statusStep{
		{"acsa", `{"action":"suspend","reason":"CP internal hold","on":"2026-11-24"}`, 200},
		{"acsa", `{"action":"suspend","reason":"again","on":"2026-11-24"}`, 409},
		{"admin", `{"action":"suspend","reason":"Employer Review: fatality","on":"2026-11-25"}`, 200},
		{"acsa", `{"action":"reinstate","reason":"we lift it ourselves","on":"2026-11-25"}`, 403},
	})
}

// statusStep is a status change PATCHed by caller who, and the status
// code it must get.
type statusStep struct {
	who, body string
	want      int
}

// statusSteps PATCHes each step to certificate path c, in order.
func (f *fixture) statusSteps(t *testing.T, c string, steps []statusStep) {
	t.Helper()
	for i, s := range steps {
		if code, _, b := f.do(t, "PATCH", c, s.who, s.body); code != s.want {
			t.Errorf("step %d (%s): got %d, want %d: %.300s", i, s.who, code, s.want, b)
		}
	}
}
