package equivalence_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestPerAccountCoverageFollowsTheAccountsDates: under per_wcb_account
// (SK, ON) an account the certificate names is covered on the date asked
// only if it is open then (opened on or before it, not closed before it)
// by the employer's records, as a closed WCB account no longer matches its
// former holder. The condition's text, in both languages, names the
// accounts covered and those not; with none covered it is not met.
func TestPerAccountCoverageFollowsTheAccountsDates(t *testing.T) {
	rs, fx, cert := perAccountCase(t, `"1234567","7654321"`)
	emp := func(accounts string) json.RawMessage {
		return json.RawMessage(`{"bn":"123456782","legal_name":"Acme Builders Ltd.","size_band":"standard","employee_count":84,"wcb_accounts":[` + accounts + `]}`)
	}
	const (
		open     = `{"jurisdiction":"CA-AB","number":"1234567","industry_codes":["42100"],"opened_on":"2019-04-01"}`
		closed   = `{"jurisdiction":"CA-AB","number":"7654321","industry_codes":["42100"],"opened_on":"2019-04-01","closed_on":"2025-12-31"}`
		later    = `{"jurisdiction":"CA-AB","number":"7654321","industry_codes":["42100"],"opened_on":"2026-02-01"}`
		closed1  = `{"jurisdiction":"CA-AB","number":"123-4567","industry_codes":["42100"],"closed_on":"2026-01-14"}`
		otherJur = `{"jurisdiction":"CA-BC","number":"7654321","industry_codes":["42100"],"closed_on":"2020-01-01"}`
	)
	for _, tc := range []struct {
		name     string
		accounts string
		met      bool
		en, fr   string
	}{
		{"both open or unlisted", open, true, "covers the accounts the certificate names (1234567, 7654321)", "couvre les comptes que nomme le certificat (1234567, 7654321)"},
		{"one closed before", open + "," + closed, true, "open on 2026-01-15 (1234567), not 7654321", "ouverts le 2026-01-15 (1234567), et non 7654321"},
		{"one opened after", open + "," + later, true, "(1234567), not 7654321", "(1234567), et non 7654321"},
		{"none open", closed1 + "," + closed, false, "none of the accounts the certificate names (1234567, 7654321) is open on 2026-01-15", "aucun des comptes que nomme le certificat (1234567, 7654321) n'est ouvert le 2026-01-15"},
		{"closed in another province", open + "," + otherJur, true, "(1234567, 7654321)", "(1234567, 7654321)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := goldCase{Name: tc.name, Question: question{BN: "123456782", Host: "CA-SK", Sector: "construction", On: registry.MustDate("2026-01-15"), Use: "bid"},
				Certificates: []json.RawMessage{json.RawMessage(cert)}, Employers: []json.RawMessage{emp(tc.accounts)}}
			q, facts := c.build(t, rs, fx)
			for _, lang := range equivalence.Langs {
				q.Lang = lang
				d := equivalence.Decide(q, facts)
				var got *equivalence.Condition
				for i := range d.Conditions {
					if d.Conditions[i].Code == registry.CondPerWCBAccount {
						got = &d.Conditions[i]
					}
				}
				if got == nil {
					t.Fatalf("%s: no per_wcb_account condition: %s", lang, explain(d))
				}
				want := tc.en
				if lang == equivalence.French {
					want = tc.fr
				}
				if got.Met != tc.met || !strings.Contains(got.Text, want) {
					t.Errorf("%s: met %v %q, want met %v with %q", lang, got.Met, got.Text, tc.met, want)
				}
			}
		})
	}
}

// TestPerAccountCitesARecordForEachClosedAccount: with none of the
// certificate's accounts covered, the decision cites, for each account, an
// employer record showing it not open; two accounts shown closed by two
// records (of two issuers) cite both, so that a decision re-derived from
// the records it cites alone is the same, and one re-derived without
// either of them is not (the account it alone shows closed counts as
// covered again).
func TestPerAccountCitesARecordForEachClosedAccount(t *testing.T) {
	rs, fx, cert := perAccountCase(t, `"1234567","7654321"`)
	emp := func(account string) json.RawMessage {
		return json.RawMessage(`{"bn":"123456782","legal_name":"Acme Builders Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"` + account +
			`","opened_on":"2019-04-01","closed_on":"2025-12-31"}]}`)
	}
	for _, host := range []registry.Jurisdiction{"CA-SK", "CA-ON"} {
		c := goldCase{Name: "two records", Question: question{BN: "123456782", Host: host, Sector: "construction", On: registry.MustDate("2026-01-15"), Use: "bid"},
			Certificates: []json.RawMessage{json.RawMessage(cert)}, Employers: []json.RawMessage{emp("1234567"), emp("7654321")}}
		q, facts := c.build(t, rs, fx)
		facts.Employers[1].Ref.Iss = "CA-SK" // the same employer as another node registered it
		d := equivalence.Decide(q, facts)
		var cited []registry.Ref
		for _, r := range d.Evidence {
			if r.Kind == registry.KindEmployer {
				cited = append(cited, r)
			}
		}
		if d.Outcome != equivalence.Conditional || len(cited) != 2 {
			t.Fatalf("%s: %s citing employer records %v, want conditional citing both: %s", host, d.Outcome, cited, explain(d))
		}
		for drop := -1; drop < len(facts.Employers); drop++ {
			sub := facts
			sub.Employers = nil
			for i, e := range facts.Employers {
				if i != drop {
					sub.Employers = append(sub.Employers, e)
				}
			}
			got := equivalence.Decide(q, sub)
			same := got.Outcome == d.Outcome && slices.Equal(got.Evidence, d.Evidence)
			if drop < 0 && !same {
				t.Errorf("%s: re-derived from the records it cites: %s %v, want %s %v", host, got.Outcome, got.Evidence, d.Outcome, d.Evidence)
			}
			if drop >= 0 && same {
				t.Errorf("%s: re-derived without %v: still %s %v", host, facts.Employers[drop].Ref, got.Outcome, got.Evidence)
			}
		}
	}
}

// TestPerAccountCitesTheOpenRecordWhenRecordsDisagree: two records of one
// employer (two issuers) disagree about the certificate's one account: the
// one cited for the office condition (SK's, listing the presence) shows it
// closed, AB's shows it open, so it is covered and the condition met. The
// decision must cite AB's record too: re-derived from the records it
// cites, without it, the account would count as closed.
func TestPerAccountCitesTheOpenRecordWhenRecordsDisagree(t *testing.T) {
	rs, fx, cert := perAccountCase(t, `"1234567"`)
	ab := `{"bn":"123456782","legal_name":"Acme Builders Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"1234567","opened_on":"2019-04-01"}]}`
	sk := `{"bn":"123456782","legal_name":"Acme Builders Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"1234567","opened_on":"2019-04-01","closed_on":"2025-12-31"}],` +
		`"presence":[{"jurisdiction":"CA-ON","permanent_office":true,"operating_since":"2020-01-01"}]}`
	c := goldCase{Name: "disagree", Question: question{BN: "123456782", Host: "CA-SK", Sector: "construction", On: registry.MustDate("2026-01-15"), Use: "bid"},
		Certificates: []json.RawMessage{json.RawMessage(cert)}, Employers: []json.RawMessage{json.RawMessage(ab), json.RawMessage(sk)}}
	q, facts := c.build(t, rs, fx)
	facts.Employers[1].Ref.Iss = "CA-SK"
	d := equivalence.Decide(q, facts)
	if d.Outcome != equivalence.Recognized {
		t.Fatalf("%s, want recognized (the account open by AB's record, no office by SK's): %s", d.Outcome, explain(d))
	}
	sub := facts
	sub.Employers = slices.DeleteFunc(slices.Clone(facts.Employers), func(e equivalence.EmployerFact) bool { return !slices.Contains(d.Evidence, e.Ref) })
	if len(sub.Employers) != 2 {
		t.Errorf("the decision cites employer records %v, want both", d.Evidence)
	}
	if got := equivalence.Decide(q, sub); got.Outcome != d.Outcome || !slices.Equal(got.Evidence, d.Evidence) {
		t.Errorf("re-derived from the records it cites: %s %v, want %s %v", got.Outcome, got.Evidence, d.Outcome, d.Evidence)
	}
}

// TestPerAccountCitesTheRecordOfAnAccountNotCovered: the certificate names
// two accounts, one open by AB's record (which lists the presence the
// office condition needs) and one closed by SK's record alone, so the
// condition is met for the first only and its text says the second is not
// covered. The decision must cite SK's record too: re-derived from the
// records it cites, without it, the closed account would count as covered
// and a verifier would read that the recognition covers both.
func TestPerAccountCitesTheRecordOfAnAccountNotCovered(t *testing.T) {
	rs, fx, cert := perAccountCase(t, `"1234567","7654321"`)
	ab := `{"bn":"123456782","legal_name":"Acme Builders Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"1234567","opened_on":"2019-04-01"}],` +
		`"presence":[{"jurisdiction":"CA-ON","permanent_office":true,"operating_since":"2020-01-01"}]}`
	sk := `{"bn":"123456782","legal_name":"Acme Builders Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"7654321","opened_on":"2019-04-01","closed_on":"2025-12-31"}]}`
	for _, host := range []registry.Jurisdiction{"CA-SK", "CA-ON"} {
		c := goldCase{Name: "partly covered", Question: question{BN: "123456782", Host: host, Sector: "construction", On: registry.MustDate("2026-01-15"), Use: "bid"},
			Certificates: []json.RawMessage{json.RawMessage(cert)}, Employers: []json.RawMessage{json.RawMessage(ab), json.RawMessage(sk)}}
		q, facts := c.build(t, rs, fx)
		facts.Employers[1].Ref.Iss = "CA-SK"
		for _, lang := range equivalence.Langs {
			q.Lang = lang
			d := equivalence.Decide(q, facts)
			cond := perAccount(d)
			if cond == nil || !cond.Met || !strings.Contains(cond.Text, "7654321") || strings.Contains(cond.Text, "(1234567, 7654321)") {
				t.Fatalf("%s %s: per_wcb_account %+v, want met covering 1234567 and not 7654321: %s", host, lang, cond, explain(d))
			}
			if !slices.Contains(d.Evidence, facts.Employers[1].Ref) {
				t.Errorf("%s %s: the decision cites %v, not SK's record showing 7654321 closed", host, lang, d.Evidence)
			}
			sub := facts
			sub.Employers = slices.DeleteFunc(slices.Clone(facts.Employers), func(e equivalence.EmployerFact) bool { return !slices.Contains(d.Evidence, e.Ref) })
			got := equivalence.Decide(q, sub)
			if gc := perAccount(got); got.Outcome != d.Outcome || !slices.Equal(got.Evidence, d.Evidence) || gc == nil || gc.Text != cond.Text {
				t.Errorf("%s %s: re-derived from the records it cites: %s %v %+v, want %s %v %q", host, lang, got.Outcome, got.Evidence, gc, d.Outcome, d.Evidence, cond.Text)
			}
		}
	}
}

// perAccount is d's per_wcb_account condition, nil when it has none.
func perAccount(d equivalence.Decision) *equivalence.Condition {
	for i := range d.Conditions {
		if d.Conditions[i].Code == registry.CondPerWCBAccount {
			return &d.Conditions[i]
		}
	}
	return nil
}

// perAccountCase is the rules, the fixtures and ACSA's certificate of
// employer 123456782 naming wcbAccounts (a JSON list's items) that the
// per_wcb_account tests ask about.
func perAccountCase(t *testing.T, wcbAccounts string) (*ruleSet, fixtures, string) {
	t.Helper()
	var fx fixtures
	readJSON(t, filepath.Join(casesDir, "fixtures.json"), &fx)
	return loadRules(t), fx, `{"id":"ACSA-100234","jurisdiction":"CA-AB","issuer":"ACSA","number":"100234","program":"COR","employer_bn":"123456782",
		"wcb_accounts":[` + wcbAccounts + `],"industry_scope":["236","238"],"sector":"construction","basis":"audit","issued_on":"2024-03-15",
		"term_months":36,"expires_on":"2027-03-15","status":"active","history":[{"status":"active","on":"2024-03-15","reason":"issued"}]}`
}
