package node

import (
	"fmt"
	"time"

	"github.com/corfed/corfed/registry"
)

// cpLapse reports the first time, read from the versions of certifying
// partner cp's record on this node, the CP was not active on a day from
// from to to. e is the record's newest version, cp decoded from it;
// field names the problem's field.
//
// A CP's record carries its status but no dates: a version's status holds
// from the day it was signed (in the jurisdiction's zone) to the day the
// next version was. A CP suspended on 03-01 and reinstated on 04-01 could
// otherwise record, on 04-02, an audit on site on 03-15. Both end days
// are given to the CP: it may have worked in the morning of the day it
// was suspended, and again on the day it was reinstated.
//
// The walk goes back from the newest version and stops at the first one
// signed on or before from, so a write dated after the CP's last change
// reads no older version.
func (n *Node) cpLapse(l feedReader, e registry.Entry, cp registry.CertifyingPartner, from, to registry.Date, field, what string) error {
	var until registry.Date // the day the version after cur was signed; zero for the newest
	cur, status := e, cp.Status
	for {
		since := TodayIn(n.cfg.Jurisdiction, time.Unix(cur.Iat, 0))
		if status != registry.CPActive {
			lo, hi := since.AddDays(1), to
			if lo.Before(from) {
				lo = from
			}
			if !until.IsZero() && !hi.Before(until) {
				hi = until.AddDays(-1)
			}
			if !lo.After(hi) {
				return registry.Invalid(field, "certifying partner %s was %s from %s to %s (its record's versions %d and %d on this node); %s %s is inside that",
					cp.ID, status, since, until, cur.Ver, cur.Ver+1, what, lo)
			}
		}
		if !since.After(from) || cur.Ver <= 1 {
			return nil
		}
		until = since
		prev, err := l.Version(registry.KindCP, cp.ID, cur.Ver-1)
		if err != nil {
			return fmt.Errorf("certifying partner %s, version %d: %w", cp.ID, cur.Ver-1, err)
		}
		old, err := decode[registry.CertifyingPartner](prev)
		if err != nil {
			return err
		}
		cur, status = prev, old.Status
	}
}
