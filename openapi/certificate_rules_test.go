package openapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// step is one request of a scenario and what it must answer: a status
// and, for a refusal, a location the problem names (the feed then must
// not grow).
type step struct {
	name, method, path, who, ct, body string
	status                            int
	location                          string
}

func (f *fixture) steps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		before := f.feedSize(t)
		code, _, b := f.rawDo(t, s.method, s.path, s.ct, s.who, s.body)
		if code != s.status {
			t.Fatalf("%s: %d, want %d: %.400s", s.name, code, s.status, b)
		}
		if s.location == "" {
			continue
		}
		if locs := sortedLocations(t, b); !slices.Contains(locs, s.location) {
			t.Errorf("%s: problem names %v, want %s: %.400s", s.name, locs, s.location, b)
		}
		if after := f.feedSize(t); after != before {
			t.Errorf("%s: refused, but the feed grew from %d to %d entries", s.name, before, after)
		}
	}
}

// auditOf is a passing certification audit by ACSA of employer 812345676
// whose last on-site day is end; the node names it
// AUD-ACSA-812345676-<end>-certification.
func auditOf(start, end, submitted string) string {
	return `{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],` +
		`"onsite_start":"` + start + `","onsite_end":"` + end + `","submitted_on":"` + submitted + `","documentation_months":14,"overall":90,` +
		`"elements":[{"element":"hazard assessment","score":90}]}`
}

// TestOneAuditBacksOneCertificate: an audit recorded on the node backs
// one certificate. A second certificate naming it is refused at
// basis_ref, by POST (the CP's or the administrator's), by an import row,
// and between two rows of one file; so it stays refused once the first
// is revoked (a renewal needs a new audit). The certificate itself keeps
// its basis through its corrections and re-imports; one superseded gives
// its audit up. Nothing is stored on a refusal. Found by review s22-e
// (finding 4): one passing audit issued any number of live CORs.
func TestOneAuditBacksOneCertificate(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true, Rules: true})
	const (
		ref   = "AUD-ACSA-812345676-20261103-certification"
		fresh = "AUD-ACSA-812345676-20261110-certification"
		js    = "application/json"
		csv   = "text/csv"
		head  = "employer_bn,legal_name,cp,number,program,issued_on,basis_ref\n"
	)
	cert := func(n, basis string) string {
		return `{"issuer":"ACSA","number":"` + n + `","program":"COR","employer_bn":"812345676","basis":"audit","basis_ref":"` + basis + `"}`
	}
	row := func(n, day, basis string) string {
		return "812345676,Prairie Steel Erectors Ltd.,ACSA," + n + ",COR," + day + "," + basis + "\n"
	}
	f.steps(t, []step{
		{"the audit", "POST", "/v1/audits", "acsa", js, auditOf("2026-11-01", "2026-11-03", "2026-11-10"), 201, ""},
		{"another audit", "POST", "/v1/audits", "acsa", js, auditOf("2026-11-08", "2026-11-10", "2026-11-15"), 201, ""},
		{"the first certificate on it", "POST", "/v1/certificates", "acsa", js, cert("Z1", ref), 201, ""},
		{"a second certificate on it", "POST", "/v1/certificates", "acsa", js, cert("Z2", ref), 422, "body.basis_ref"},
		{"the administrator's second certificate on it", "POST", "/v1/certificates", "admin", js, cert("Z2", ref), 422, "body.basis_ref"},
		{"an import row on it", "POST", "/v1/imports?dry_run=true", "acsa", csv, head + row("Z3", "2026-11-03", ref), 422, "rows[1].basis_ref"},
		{"two rows of one file on another audit", "POST", "/v1/imports", "acsa", csv, head + row("Z4", "2026-11-10", fresh) + row("Z5", "2026-11-10", fresh), 422, "rows[2].basis_ref"},
		{"one row on the other audit", "POST", "/v1/imports", "acsa", csv, head + row("Z4", "2026-11-10", fresh), 200, ""},
		{"the first certificate corrected", "PUT", "/v1/certificates/ACSA-Z1", "acsa", js, `{"sector":"construction","industry_scope":["238120"]}`, 200, ""},
		{"the first certificate re-imported", "POST", "/v1/imports", "acsa", csv, head + row("Z1", "2026-11-03", ref), 200, ""},
		{"the first certificate revoked", "PATCH", "/v1/certificates/ACSA-Z1", "admin", js, `{"action":"revoke","reason":"falsified records","on":"2026-11-20"}`, 200, ""},
		{"a new certificate on the revoked one's audit", "POST", "/v1/certificates", "acsa", js, cert("Z6", ref), 422, "body.basis_ref"},
		{"a certificate without a recorded audit", "POST", "/v1/certificates", "acsa", js, `{"issuer":"ACSA","number":"Z7","program":"COR","employer_bn":"812345676","issued_on":"2026-11-10"}`, 201, ""},
		{"the one on the other audit superseded", "PATCH", "/v1/certificates/ACSA-Z4", "admin", js, `{"action":"supersede","reason":"reissued","superseded_by":"ACSA-Z7","on":"2026-11-21"}`, 200, ""},
		{"a certificate on the superseded one's audit", "POST", "/v1/certificates", "acsa", js, cert("Z8", fresh), 201, ""},
	})
}

// TestCPIssuesOnlyInItsSectors: a certifying partner writes a
// certificate's sector only from the sectors it is registered for: a
// sector outside them is refused at sector on create, on PUT and on an
// import row, and nothing is stored. The administrator may write any
// sector (its authority is the entry's "by"); a CP may keep a sector the
// administrator gave; a CP registered with no sectors is unrestricted.
// Found by review s22-e (finding 5): ESC (energy) issued a construction
// COR.
func TestCPIssuesOnlyInItsSectors(t *testing.T) {
	f := newFixture(t)
	const (
		js   = "application/json"
		head = "employer_bn,legal_name,cp,number,program,issued_on,sector\n"
	)
	cert := func(n, sector string) string {
		return `{"issuer":"ESC","number":"` + n + `","program":"COR","employer_bn":"791352461","issued_on":"2026-01-10","sector":"` + sector + `"}`
	}
	f.steps(t, []step{
		{"ESC issues outside its sectors", "POST", "/v1/certificates", "esc", js, cert("SEC1", "construction"), 422, "body.sector"},
		{"ESC issues in its sector", "POST", "/v1/certificates", "esc", js, cert("SEC1", "Energy"), 201, ""},
		{"ESC issues without a sector", "POST", "/v1/certificates", "esc", js, cert("SEC2", ""), 201, ""},
		{"ESC moves its certificate out of its sectors", "PUT", "/v1/certificates/ESC-ESC-33871", "esc", js, `{"sector":"construction","wcb_accounts":["3987120"],"industry_scope":["213111"]}`, 422, "body.sector"},
		{"ESC imports outside its sectors", "POST", "/v1/imports?dry_run=true", "esc", "text/csv", head + "791352461,Foothills Well Services Corp.,ESC,SEC3,COR,2026-01-10,construction\n", 422, "rows[1].sector"},
		{"ESC changes a sector by import", "POST", "/v1/imports?dry_run=true", "esc", "text/csv", head + "791352461,Foothills Well Services Corp.,ESC,SEC1,COR,2026-01-10,construction\n", 422, "rows[1].sector"},
		{"the administrator issues for ESC outside its sectors", "POST", "/v1/certificates", "admin", js, cert("SEC4", "construction"), 201, ""},
		{"ESC keeps the administrator's sector", "PUT", "/v1/certificates/ESC-SEC4", "esc", js, `{"sector":"construction","wcb_accounts":["3987120"]}`, 200, ""},
		{"ESC registered with no sectors", "PUT", "/v1/cps/ESC", "admin", js, `{"id":"ESC","name":"Energy Safety Canada","sectors":[],"status":"active"}`, 200, ""},
		{"ESC, unrestricted, issues a construction COR", "POST", "/v1/certificates", "esc", js, cert("SEC5", "construction"), 201, ""},
	})
	_, _, b := f.do(t, "GET", "/v1/certificates/ESC-SEC4/versions/1", "", "")
	if !strings.Contains(string(b), `"role":"`+node.RoleAdmin+`"`) {
		t.Errorf("ESC-SEC4's version 1 does not record the administrator as its author: %.400s", b)
	}
}

// TestCertificateAccountsAreTheEmployers: a certificate's WCB accounts
// must be among its employer's, in the certificate's province: bulk match
// by a WCB account answers found, confidence 1, for the certificate's
// employer. Another CP's certificate (ESC's of ACSA's holder, which ESC
// may not change) naming an account the employer's record does not hold
// (a typo does it as well) is refused at body.wcb_accounts[i], on POST and
// on PUT, and so is an account the employer holds in another province.
// An account of the employer, however written, is taken. Found by review
// s24-l (finding 2).
func TestCertificateAccountsAreTheEmployers(t *testing.T) {
	f := newFixture(t)
	const js = "application/json"
	cert := func(issuer, n, bn, accounts string) string {
		return `{"issuer":"` + issuer + `","number":"` + n + `","program":"COR","employer_bn":"` + bn + `","issued_on":"2026-11-01","status":"pending","wcb_accounts":[` + accounts + `]}`
	}
	f.steps(t, []step{
		{"ESC names an account the employer does not hold", "POST", "/v1/certificates", "esc", js, cert("ESC", "W1", "812345676", `"45-12876","45-99999"`), 422, "body.wcb_accounts[1]"},
		{"ESC names the employer's account", "POST", "/v1/certificates", "esc", js, cert("ESC", "W1", "812345676", `"45-12876"`), 201, ""},
		{"ESC adds an account the employer does not hold", "PUT", "/v1/certificates/ESC-W1", "esc", js, `{"wcb_accounts":["4512876","45-99999"]}`, 422, "body.wcb_accounts[1]"},
		{"the administrator names the employer's BC account on an Alberta COR", "POST", "/v1/certificates", "admin", js, cert("ACSA", "W2", "723456786", `"812345678"`), 422, "body.wcb_accounts[0]"},
		{"the administrator names its Alberta account", "POST", "/v1/certificates", "admin", js, cert("ACSA", "W2", "723456786", `"50-23341"`), 201, ""},
	})
}
