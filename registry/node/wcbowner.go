package node

import (
	"fmt"
	"slices"

	"github.com/corfed/corfed/registry"
)

// takenAccount is a WCB account an employer's new version lists that is
// another employer's (takenAccounts).
type takenAccount struct {
	i      int    // its index in the new version's WCBAccounts
	number string // as the new version writes it
	err    error  // why, at body.wcb_accounts[i]
}

// takenAccounts returns the WCB accounts e, an employer's new version,
// lists open today that its stored version prev (nil: none) does not list
// open today in that province (reopening an account closed on prev, one
// the administrator may have moved away, is listing it anew), and that another employer's latest record lists open
// today in the same province. A WCB account is one employer's (the
// board's number): listed on a second employer, bulk match and the WCB
// search by it turn ambiguous, and a certificate of the second may name
// it. A certifying partner is refused them (PutEmployer, import); the
// program administrator may list one, moving the account (it closes it on
// the other employer with that employer's own write). Each account is one
// index lookup ("wcb", own feed; an account's certificates come first in
// it, so at most MaxLimit of its records are read).
func takenAccounts(l feedReader, prev *registry.Employer, e registry.Employer, today registry.Date) ([]takenAccount, error) {
	var out []takenAccount
	for i, a := range e.WCBAccounts {
		k := registry.FoldWCB(a.Number)
		if !openOn(a, today) || !registry.ValidWCBNumber(a.Number) {
			continue
		}
		if prev != nil && slices.ContainsFunc(prev.WCBAccounts, func(b registry.WCBAccount) bool {
			return b.Jurisdiction == a.Jurisdiction && registry.FoldWCB(b.Number) == k && openOn(b, today)
		}) {
			continue
		}
		refs, err := l.Lookup("wcb", k, false, MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if r.Kind != registry.KindEmployer || r.ID == e.BN {
				continue
			}
			oe, err := l.Latest(r.Kind, r.ID)
			if err != nil {
				return nil, err
			}
			other, err := decode[registry.Employer](oe)
			if err != nil {
				return nil, err
			}
			for _, b := range other.WCBAccounts {
				if b.Jurisdiction == a.Jurisdiction && registry.FoldWCB(b.Number) == k && openOn(b, today) {
					out = append(out, takenAccount{i: i, number: a.Number, err: registry.Invalid(fmt.Sprintf("body.wcb_accounts[%d]", i),
						"%s WCB account %s is employer %s's (%s): an account is one employer's; only the program administrator moves it to another",
						a.Jurisdiction, a.Number, other.BN, other.LegalName)})
					break
				}
			}
			if len(out) > 0 && out[len(out)-1].i == i {
				break
			}
		}
	}
	return out, nil
}

// openOn reports whether account a is open on d (ClosedOn zero or not
// before d).
func openOn(a registry.WCBAccount, d registry.Date) bool {
	return a.ClosedOn.IsZero() || !a.ClosedOn.Before(d)
}

// cpAccountsFree refuses p, a certifying partner, the accounts of e (its
// new version, prev the stored one or nil) that are another employer's,
// at body.wcb_accounts[i], every one at once.
func cpAccountsFree(l feedReader, p Principal, prev *registry.Employer, e registry.Employer, today registry.Date) error {
	if p.Role != RoleCP {
		return nil
	}
	taken, err := takenAccounts(l, prev, e, today)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range taken {
		errs = append(errs, t.err)
	}
	return registry.JoinInvalid(errs...)
}
