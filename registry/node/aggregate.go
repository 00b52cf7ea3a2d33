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
	return n.commit(ctx, registry.KindAggregate, registry.AggregateID(a.Year), nil, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
		return a, nil, nil
	})
}
