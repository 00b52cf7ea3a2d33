package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// CertificateRecord is a certificate as the people's pages show it: every
// signed version, from the node's own log or a verified replica, and the
// result of checking the newest one again now (signature against the
// issuer's pinned key, inclusion in the issuer's log against its signed
// checkpoint).
type CertificateRecord struct {
	Iss         registry.Jurisdiction
	Certificate registry.Certificate // the newest version
	Versions    []registry.Entry     // oldest first
	Evidence    Evidence             // the newest version with its log inclusion
	// Verified is nil when signature and inclusion both verified; else why not.
	Verified error
	// Employer is the employer record of the certificate's BN that the same
	// node published, when there is one.
	Employer *registry.Employer
}

// Certificate finds certificate id in the node's own log, then in each
// verified replica, and checks its newest version as described on
// CertificateRecord. Unknown: ErrNotFound.
func (l *Lookups) Certificate(ctx context.Context, id string) (CertificateRecord, error) {
	var r CertificateRecord
	found := false
	n := l.fed.Node()
	err := n.View(ctx, func(sn node.Snapshot) error {
		for _, s := range l.sources() {
			lg := n.LogOf(sn, s.iss)
			vs, err := lg.Versions(registry.KindCertificate, id)
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			r.Iss, r.Versions, found = s.iss, vs, true
			last := vs[len(vs)-1]
			if err := json.Unmarshal(last.Record, &r.Certificate); err != nil {
				return fmt.Errorf("certificate %s: %w", id, err)
			}
			if e, err := lg.Latest(registry.KindEmployer, r.Certificate.EmployerBN); err == nil {
				var emp registry.Employer
				if json.Unmarshal(e.Record, &emp) == nil {
					r.Employer = &emp
				}
			}
			ev := []Evidence{{Ref: last.Ref(), JWS: last.JWS}}
			if err := l.attachLogs(sn, ev); err != nil {
				return err
			}
			r.Evidence = ev[0]
			return nil
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	if !found {
		return r, fmt.Errorf("certificate %s: %w", id, registry.ErrNotFound)
	}
	_, r.Verified = VerifyEvidence(r.Evidence, l.fed.KeySet, l.fed.Node().Jurisdiction())
	return r, nil
}
