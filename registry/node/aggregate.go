package node

import (
	"context"
	"fmt"

	"github.com/corfed/corfed/registry"
)

// PublishAggregate signs the node's aggregate OHS metrics for a year into
// its feed (a new version when one exists), so that peers replicate them.
// Only the program administrator, with scope metrics:write, may; the
// aggregate must be the node's own and carry group totals only.
func (n *Node) PublishAggregate(ctx context.Context, p Principal, a registry.AggregateMetrics) (registry.Entry, error) {
	return n.PublishAggregateChecked(ctx, p, a, nil)
}

// PublishAggregateChecked is PublishAggregate where check, when not nil,
// sees every earlier version of the year's record (oldest first; none for
// the first) as of the write itself, and returns the aggregate to sign
// (a, or a with groups suppressed) or an error, returned with nothing
// written. check may run more than once (see mutation): it must not have
// side effects. Its cost is the record's versions, one per publication.
func (n *Node) PublishAggregateChecked(ctx context.Context, p Principal, a registry.AggregateMetrics,
	check func(a registry.AggregateMetrics, earlier []registry.Entry) (registry.AggregateMetrics, error)) (registry.Entry, error) {
	if err := p.require(ScopeMetrics); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator publishes aggregate metrics: %w", registry.ErrForbidden)
	}
	if a.Jurisdiction != n.cfg.Jurisdiction {
		return registry.Entry{}, registry.Invalid("jurisdiction", "%s publishes only its own aggregates, not %s's", n.cfg.Jurisdiction, a.Jurisdiction)
	}
	if err := a.Validate(); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindAggregate, registry.AggregateID(a.Year), nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if check == nil {
			return a, nil, nil
		}
		// Every earlier version, read as of this write: no other
		// publication of the year can come between the check and it.
		var earlier []registry.Entry
		if prev != nil {
			earlier = make([]registry.Entry, 0, prev.Ver)
			for v := uint64(1); v < prev.Ver; v++ {
				e, err := l.Version(registry.KindAggregate, prev.ID, v)
				if err != nil {
					return nil, nil, err
				}
				earlier = append(earlier, e)
			}
			earlier = append(earlier, *prev)
		}
		out, err := check(a, earlier)
		if err != nil {
			return nil, nil, err
		}
		if out.Jurisdiction != a.Jurisdiction || out.Year != a.Year {
			return nil, nil, fmt.Errorf("the check changed the aggregate's jurisdiction or year")
		}
		if err := out.Validate(); err != nil {
			return nil, nil, err
		}
		return out, nil, nil
	})
}
