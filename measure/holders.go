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
	byBN map[string][]*CertFacts
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
	return h
}

// On returns the certificate employer bn held with status active on d
// (registry.Certificate.StatusOn) covering its WCB account account (""
// for the whole employer), preferring a COR to a SECOR. A certificate of
// a jurisdiction that certifies per account (PerAccount: SK, ON) naming
// accounts covers those only; any other, the whole employer.
func (h *Holders) On(bn, account string, d registry.Date) (Holding, bool) {
	for _, c := range h.byBN[bn] {
		if account != "" && len(c.WCBAccounts) > 0 && !slices.Contains(c.WCBAccounts, account) {
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
