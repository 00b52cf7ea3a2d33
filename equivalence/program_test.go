package equivalence_test

import (
	"slices"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// programFacts: an Alberta COR of employer 123456782 (valid 2025-03-14 to
// 2028-03-14), the employer record, every host's rules and the CFCSA
// agreements of testdata, signed by every party.
func programFacts(t *testing.T) equivalence.Facts {
	t.Helper()
	rs := loadRules(t)
	f := equivalence.Facts{
		Employers: []equivalence.EmployerFact{{Employer: registry.Employer{BN: "123456782", LegalName: "E",
			WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "1234567"}}},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEmployer, ID: "123456782", Ver: 1, Seq: 100}}},
		Certificates: []equivalence.CertificateFact{{Certificate: registry.Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB",
			Issuer: "ACSA", Number: "1", Program: "COR", EmployerBN: "123456782", Sector: "construction", Basis: "audit",
			IssuedOn: registry.MustDate("2025-03-14"), TermMonths: 36, ExpiresOn: registry.MustDate("2028-03-14"), Status: "active",
			History: []registry.StatusChange{{Status: "active", On: registry.MustDate("2025-03-14"), Reason: "audit passed"}}},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "ACSA-1", Ver: 1, Seq: 101}}},
	}
	for _, n := range rs.hostNames {
		f.HostRules = append(f.HostRules, rs.hosts[n]...)
	}
	for _, n := range rs.agrNames {
		f.Agreements = append(f.Agreements, rs.agreements[n])
	}
	return f
}

func reasonCodes(d equivalence.Decision) []string {
	var cs []string
	for _, r := range d.Reasons {
		cs = append(cs, r.Code)
	}
	return cs
}

func TestProgramFacts(t *testing.T) {
	bc := func(on string) equivalence.Question {
		return equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: registry.MustDate(on), Use: "bid"}
	}
	mb := func(on string) equivalence.Question {
		q := bc(on)
		q.Host = "CA-MB"
		return q
	}
	letter := func(host registry.Jurisdiction, issued, expires, workStarted string) equivalence.LetterFact {
		l := registry.Letter{ID: registry.LetterID(host, "ACSA-1", registry.MustDate(issued)), EmployerBN: "123456782", Certificate: "ACSA-1",
			Home: "CA-AB", Host: host, Kind: "bid", IssuedOn: registry.MustDate(issued), ExpiresOn: registry.MustDate(expires), Agreement: "cfcsa-construction-2021"}
		if workStarted != "" {
			l.WorkStartedOn = registry.MustDate(workStarted)
		}
		return equivalence.LetterFact{Letter: l, Ref: registry.Ref{Iss: host, Kind: registry.KindLetter, ID: l.ID, Ver: 1, Seq: 7}}
	}
	issued2019 := func(f *equivalence.Facts) {
		c := &f.Certificates[0].Certificate
		c.IssuedOn, c.ExpiresOn = registry.MustDate("2019-06-01"), registry.MustDate("2022-06-01")
		c.History = []registry.StatusChange{{Status: "active", On: c.IssuedOn, Reason: "audit passed"}}
	}
	tests := []struct {
		name    string
		q       equivalence.Question
		change  func(f *equivalence.Facts)
		outcome string
		until   string
		code    string // a reason code the decision must carry
		cites   registry.Kind
	}{
		{"no letter: the cap counts from the date asked", bc("2026-11-25"), nil, "recognized", "2027-05-24", "home_cor_recognized", ""},
		{"a letter: the cap counts from its issue date", bc("2026-11-25"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-BC", "2026-10-01", "2027-04-01", ""))
		}, "recognized", "2027-04-01", "home_cor_recognized", registry.KindLetter},
		{"the latest letter counts", bc("2026-11-25"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-BC", "2026-01-01", "2026-07-01", ""), letter("CA-BC", "2026-10-01", "2027-04-01", ""))
		}, "recognized", "2027-04-01", "home_cor_recognized", registry.KindLetter},
		{"an expired letter refuses", bc("2027-04-02"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-BC", "2026-10-01", "2027-04-01", ""))
		}, "not_recognized", "", "letter_expired", ""},
		{"a letter signed by another node does not count", bc("2027-04-02"), func(f *equivalence.Facts) {
			l := letter("CA-BC", "2026-10-01", "2027-04-01", "")
			l.Ref.Iss = "CA-AB"
			f.Letters = append(f.Letters, l)
		}, "recognized", "2027-10-01", "home_cor_recognized", ""},
		{"MB: before work starts, up to the day before", mb("2026-11-25"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-MB", "2026-11-01", "2027-11-01", "2026-12-10"))
		}, "recognized", "2026-12-09", "home_cor_recognized", registry.KindLetter},
		{"MB: void once work starts", mb("2026-12-10"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-MB", "2026-11-01", "2027-11-01", "2026-12-10"))
		}, "not_recognized", "", "letter_void_work_started", ""},
		{"BC: a WCB account open on the date refuses", bc("2026-03-01"), func(f *equivalence.Facts) {
			f.Employers[0].Employer.WCBAccounts = append(f.Employers[0].Employer.WCBAccounts,
				registry.WCBAccount{Jurisdiction: "CA-BC", Number: "812345678", OpenedOn: registry.MustDate("2025-01-01"), ClosedOn: registry.MustDate("2026-06-30")})
		}, "not_recognized", "", "host_wcb_account_active", ""},
		{"BC: the account closed before the date", bc("2026-07-01"), func(f *equivalence.Facts) {
			f.Employers[0].Employer.WCBAccounts = append(f.Employers[0].Employer.WCBAccounts,
				registry.WCBAccount{Jurisdiction: "CA-BC", Number: "812345678", OpenedOn: registry.MustDate("2025-01-01"), ClosedOn: registry.MustDate("2026-06-30")})
		}, "recognized", "2026-12-31", "home_cor_recognized", ""},
		{"BC: the account not yet opened", bc("2024-12-31"), func(f *equivalence.Facts) {
			f.Employers[0].Employer.WCBAccounts = append(f.Employers[0].Employer.WCBAccounts,
				registry.WCBAccount{Jurisdiction: "CA-BC", Number: "812345678", OpenedOn: registry.MustDate("2025-01-01")})
		}, "not_recognized", "", "certificate_not_yet_issued", ""},
		{"BC: operating in BC on the date refuses", bc("2026-11-25"), func(f *equivalence.Facts) {
			f.Employers[0].Employer.Presence = []registry.Presence{{Jurisdiction: "CA-BC", OperatingSince: registry.MustDate("2026-09-01")}}
		}, "not_recognized", "", "operating_in_host", ""},
		{"BC: operating there only later", bc("2026-08-01"), func(f *equivalence.Facts) {
			f.Employers[0].Employer.Presence = []registry.Presence{{Jurisdiction: "CA-BC", OperatingSince: registry.MustDate("2026-09-01")}}
		}, "recognized", "2027-01-31", "home_cor_recognized", ""},
		{"a letter stops counting when the home certificate is suspended", bc("2026-11-25"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-BC", "2026-10-01", "2027-04-01", ""))
			c := &f.Certificates[0].Certificate
			c.History = append(c.History, registry.StatusChange{Status: "suspended", On: registry.MustDate("2026-11-01"), Reason: "review"})
			c.Status = "suspended"
		}, "not_recognized", "", "certificate_suspended", ""},
		{"a letter runs to the day before a recorded suspension", bc("2026-11-25"), func(f *equivalence.Facts) {
			f.Letters = append(f.Letters, letter("CA-BC", "2026-10-01", "2027-04-01", ""))
			c := &f.Certificates[0].Certificate
			c.History = append(c.History, registry.StatusChange{Status: "suspended", On: registry.MustDate("2027-01-10"), Reason: "review"})
			c.Status = "suspended"
		}, "recognized", "2027-01-09", "home_cor_recognized", registry.KindLetter},
		{"SK: no presence listed is conditional", equivalence.Question{BN: "123456782", Host: "CA-SK", Sector: "construction", On: registry.MustDate("2026-11-25"), Use: "work"},
			nil, "conditional", "", "conditions_unverified", ""},
		{"SK: presence without an office there", equivalence.Question{BN: "123456782", Host: "CA-SK", Sector: "construction", On: registry.MustDate("2026-11-25"), Use: "work"},
			func(f *equivalence.Facts) {
				f.Employers[0].Employer.Presence = []registry.Presence{{Jurisdiction: "CA-AB", PermanentOffice: true, OperatingSince: registry.MustDate("2000-01-01")}}
				f.Certificates[0].Certificate.WCBAccounts = []string{"1234567"}
			}, "recognized", "2027-05-24", "home_cor_recognized", registry.KindEmployer},
		{"SK: a permanent office there refuses", equivalence.Question{BN: "123456782", Host: "CA-SK", Sector: "construction", On: registry.MustDate("2026-11-25"), Use: "work"},
			func(f *equivalence.Facts) {
				f.Employers[0].Employer.Presence = []registry.Presence{{Jurisdiction: "CA-SK", PermanentOffice: true, OperatingSince: registry.MustDate("2026-01-01")}}
			}, "not_recognized", "", "permanent_office_in_host", ""},
		{"a revision with other terms for the host: the old end binds", bc("2020-10-15"), func(f *equivalence.Facts) {
			issued2019(f)
			for i := range f.Agreements {
				if f.Agreements[i].Agreement.Terms.ID == "cfcsa-construction-2021" {
					a := f.Agreements[i].Agreement
					a.Terms.Hosts = slices.Clone(a.Terms.Hosts)
					for k := range a.Terms.Hosts {
						if a.Terms.Hosts[k].Host == "CA-BC" {
							a.Terms.Hosts[k].CapMonths = 3
						}
					}
					f.Agreements[i].Agreement = a
				}
			}
		}, "recognized", "2020-12-31", "home_cor_recognized", ""},
		{"a revision not signed by every party: the old end binds", bc("2020-10-15"), func(f *equivalence.Facts) {
			issued2019(f)
			for i := range f.Agreements {
				if f.Agreements[i].Agreement.Terms.ID == "cfcsa-construction-2021" {
					f.Agreements[i].SignedBy = f.Agreements[i].SignedBy[1:]
				}
			}
		}, "recognized", "2020-12-31", "home_cor_recognized", ""},
		{"a revision carrying the terms on runs through, citing both", bc("2020-10-15"), issued2019, "recognized", "2021-04-14", "home_cor_recognized", registry.KindAgreement},
		{"withdrawn: refused from the date", bc("2027-01-05"), func(f *equivalence.Facts) {
			for i := range f.Agreements {
				f.Agreements[i].Withdrawals = []registry.Withdrawal{{Party: "CA-BC", On: registry.MustDate("2027-01-01")}}
			}
		}, "not_recognized", "", "agreement_withdrawn", ""},
		{"withdrawn: valid through the day before", bc("2026-11-25"), func(f *equivalence.Facts) {
			for i := range f.Agreements {
				f.Agreements[i].Withdrawals = []registry.Withdrawal{{Party: "CA-BC", On: registry.MustDate("2027-01-01")}}
			}
		}, "recognized", "2026-12-31", "home_cor_recognized", ""},
		{"a late suspension: refused and said to be corrected", bc("2026-10-15"), func(f *equivalence.Facts) {
			c := &f.Certificates[0].Certificate
			c.History = append(c.History, registry.StatusChange{Status: "suspended", On: registry.MustDate("2026-10-01"), Reason: "found late",
				Correction: true, RecordedOn: registry.MustDate("2026-11-25"), By: "admin"})
			c.Status = "suspended"
		}, "not_recognized", "", "history_corrected", ""},
		{"an annulled suspension does not count, and is said", bc("2026-10-15"), func(f *equivalence.Facts) {
			c := &f.Certificates[0].Certificate
			c.History = append(c.History, registry.StatusChange{Status: "suspended", On: registry.MustDate("2026-10-01"), Reason: "mistake",
				Annulled: &registry.Annulment{On: registry.MustDate("2026-11-25"), Reason: "wrong certificate", By: "admin"}})
		}, "recognized", "2027-04-14", "history_corrected", ""},
		{"a correction after the date is not said", bc("2026-09-15"), func(f *equivalence.Facts) {
			c := &f.Certificates[0].Certificate
			c.History = append(c.History, registry.StatusChange{Status: "suspended", On: registry.MustDate("2026-10-01"), Reason: "found late",
				Correction: true, RecordedOn: registry.MustDate("2026-11-25"), By: "admin"})
			c.Status = "suspended"
		}, "recognized", "2026-09-30", "home_cor_recognized", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			if tc.change != nil {
				tc.change(&f)
			}
			d := equivalence.Decide(tc.q, f)
			if d.Outcome != tc.outcome {
				t.Fatalf("outcome: got %s %v, want %s", d.Outcome, reasonCodes(d), tc.outcome)
			}
			if tc.until != "" && d.ValidUntil != registry.MustDate(tc.until) {
				t.Errorf("valid_until: got %s, want %s (%s)", d.ValidUntil, tc.until, d.Reasons[0].Text)
			}
			if !slices.Contains(reasonCodes(d), tc.code) {
				t.Errorf("reasons: got %v, want %s among them", reasonCodes(d), tc.code)
			}
			if tc.cites != "" && !slices.ContainsFunc(d.Evidence, func(r registry.Ref) bool { return r.Kind == tc.cites }) {
				t.Errorf("evidence: got %v, want a %s", d.Evidence, tc.cites)
			}
			for _, r := range d.Reasons {
				if r.Text == "" || r.Text == "Code "+r.Code+"." {
					t.Errorf("reason %s has no text", r.Code)
				}
			}
			// The same decision in French: same codes and dates, every
			// sentence French (none left in English).
			fq := tc.q
			fq.Lang = equivalence.French
			fd := equivalence.Decide(fq, f)
			if fd.Outcome != d.Outcome || fd.ValidUntil != d.ValidUntil || !slices.Equal(reasonCodes(fd), reasonCodes(d)) {
				t.Errorf("in French: %s %s %v, want %s %s %v", fd.Outcome, fd.ValidUntil, reasonCodes(fd), d.Outcome, d.ValidUntil, reasonCodes(d))
			}
			for i := range fd.Reasons {
				if i < len(d.Reasons) && fd.Reasons[i].Text == d.Reasons[i].Text {
					t.Errorf("reason %s: the French text is the English one: %s", fd.Reasons[i].Code, fd.Reasons[i].Text)
				}
			}
			for i := range fd.Conditions {
				if fd.Conditions[i].Text == d.Conditions[i].Text {
					t.Errorf("condition %s: the French text is the English one", fd.Conditions[i].Code)
				}
			}
		})
	}
}
