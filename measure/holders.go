package measure

import (
	"cmp"
	"slices"

	"github.com/corfed/corfed/registry"
)

// Holding is the certificate that puts a snapshot in the cor group.
type Holding struct {
	CertificateID string `json:"certificate"`
	Program       string `json:"program"` // COR or SECOR
	CP            string `json:"cp"`      // the issuing certifying partner
}

// Holders answers "did employer bn hold an active COR or SECOR on date d?"
// from the certificates a node keeps (the newest version of each, which
// carries the whole status history).
type Holders struct {
	byBN  map[string][]*CertFacts
	spans map[string][][]span // byBN's certificates' holding intervals (spansOf), in the same order
}

// NewHolders indexes certs by employer BN.
func NewHolders(certs []registry.Certificate) *Holders {
	fs := make([]*CertFacts, len(certs))
	for i, c := range certs {
		f := FactsOf(c)
		fs[i] = &f
	}
	return NewHoldersOf(fs)
}

// NewHoldersOf indexes certs by employer BN, keeping the pointers: the
// certificates must not change after.
func NewHoldersOf(certs []*CertFacts) *Holders {
	h := &Holders{byBN: make(map[string][]*CertFacts)}
	for _, c := range certs {
		if c.Program != registry.ProgramCOR && c.Program != registry.ProgramSECOR {
			continue
		}
		h.byBN[c.EmployerBN] = append(h.byBN[c.EmployerBN], c)
	}
	for _, cs := range h.byBN {
		// COR before SECOR, then by id: the choice is the same whatever the
		// order the certificates came in.
		slices.SortFunc(cs, func(a, b *CertFacts) int {
			return cmp.Or(cmp.Compare(a.Program, b.Program), cmp.Compare(a.ID, b.ID))
		})
	}
	h.spans = make(map[string][][]span, len(h.byBN))
	for bn, cs := range h.byBN {
		ss := make([][]span, len(cs))
		for i, c := range cs {
			ss[i] = spansOf(c)
		}
		h.spans[bn] = ss
	}
	return h
}

// On returns the certificate employer bn held with status active on d
// (registry.Certificate.StatusOn) covering its WCB account account (""
// for the whole employer), preferring a COR to a SECOR. A certificate of
// a jurisdiction that certifies per account (PerAccount: SK, ON) naming
// accounts covers those only, however each is written (registry.FoldWCB);
// any other, the whole employer.
func (h *Holders) On(bn, account string, d registry.Date) (Holding, bool) {
	account = foldAccount(account)
	for _, c := range h.byBN[bn] {
		if !covers(c, account) {
			continue
		}
		if c.StatusOn(d) == registry.StatusActive {
			return Holding{CertificateID: c.ID, Program: c.Program, CP: c.Issuer}, true
		}
	}
	return Holding{}, false
}

// Len is the number of employers with a COR or SECOR of any status.
func (h *Holders) Len() int { return len(h.byBN) }

// holds reports whether a certificate with status st puts its employer in
// the cor group: active, or suspended (under review, not uncertified).
func holds(st string) bool { return st == registry.StatusActive || st == registry.StatusSuspended }

// span says that from From (until the next span's From) a certificate
// holds (Holds) or not.
type span struct {
	from  registry.Date
	holds bool
}

// spansOf returns c's holding intervals, from its issue date on: the
// status can change only on the issue date, a history step's date or the
// day after expiry, so the status on each of those dates is the status
// until the next one.
func spansOf(c *CertFacts) []span {
	dates := []registry.Date{c.IssuedOn}
	for _, s := range c.History {
		if !s.Annulled && s.On.After(c.IssuedOn) {
			dates = append(dates, s.On)
		}
	}
	if !c.ExpiresOn.IsZero() {
		dates = append(dates, c.ExpiresOn.AddDays(1))
	}
	slices.SortFunc(dates, registry.Date.Compare)
	dates = slices.Compact(dates)
	var out []span
	for _, d := range dates {
		h := holds(c.StatusOn(d))
		if len(out) == 0 && !h {
			continue // before its first holding day it held nothing either
		}
		if len(out) > 0 && out[len(out)-1].holds == h {
			continue
		}
		out = append(out, span{from: d, holds: h})
	}
	return out
}

// holdsOn reports whether spans hold on d.
func holdsOn(spans []span, d registry.Date) bool {
	i, found := slices.BinarySearchFunc(spans, d, func(s span, d registry.Date) int { return s.from.Compare(d) })
	if !found {
		i--
	}
	return i >= 0 && spans[i].holds
}

// Part is the share of a year on which an employer's account held one
// certificate (Held, Holding) or none: Days of the year's YearDays.
type Part struct {
	Held    bool
	Holding Holding
	Days    int
}

// DaysIn returns the number of days of year.
func DaysIn(year int) int {
	if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 366
	}
	return 365
}

// Year splits the calendar year of employer bn's account ("" for the whole
// employer) by the certificate it held, as On chooses it, except that a
// suspended certificate still holds (the employer is under review, not
// uncertified): the parts, in the order they first occur, with the days
// of each; the days add up to DaysIn(year). Parts are appended to buf.
// Its cost is the employer's certificates times their status changes.
func (h *Holders) Year(bn, account string, year int, buf []Part) []Part {
	buf = buf[:0]
	cs, ss := h.byBN[bn], h.spans[bn]
	if len(cs) > 0 {
		account = foldAccount(account)
	}
	first, end := registry.NewDate(year, 1, 1), registry.NewDate(year+1, 1, 1)
	// The dates in the year on which some certificate's holding changes.
	var bounds [16]registry.Date
	ds := append(bounds[:0], first)
	for i, c := range cs {
		if !covers(c, account) {
			continue
		}
		for _, s := range ss[i] {
			if s.from.After(first) && s.from.Before(end) {
				ds = append(ds, s.from)
			}
		}
	}
	if len(ds) > 1 {
		slices.SortFunc(ds, registry.Date.Compare)
		ds = slices.Compact(ds)
	}
	for j, d := range ds {
		next := end
		if j+1 < len(ds) {
			next = ds[j+1]
		}
		p := Part{Days: daysBetween(d, next)}
		for i, c := range cs {
			if covers(c, account) && holdsOn(ss[i], d) {
				p.Held, p.Holding = true, Holding{CertificateID: c.ID, Program: c.Program, CP: c.Issuer}
				break
			}
		}
		k := slices.IndexFunc(buf, func(q Part) bool { return q.Held == p.Held && q.Holding == p.Holding })
		if k < 0 {
			buf = append(buf, p)
		} else {
			buf[k].Days += p.Days
		}
	}
	return buf
}

// covers reports whether c covers account ("" for the whole employer),
// folded (foldAccount) as c's accounts are: one account written two ways
// (45-99001, 4599001) is one account, as in Snapshot.Key.
func covers(c *CertFacts, account string) bool {
	return account == "" || len(c.WCBAccounts) == 0 || slices.Contains(c.WCBAccounts, account)
}

// foldAccount is registry.FoldWCB(a), without allocating when a is
// folded already (the common case: digits only).
func foldAccount(a string) string {
	for i := 0; i < len(a); i++ {
		if b := a[i]; b == '-' || b == ' ' || b >= 'A' && b <= 'Z' || b >= 0x80 {
			return registry.FoldWCB(a)
		}
	}
	return a
}

// daysBetween is the number of days from d to e.
func daysBetween(d, e registry.Date) int {
	return int(e.Time().Sub(d.Time()).Hours()/24 + 0.5)
}
