package service

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// Aggregate computes the node's aggregate for year from its snapshots
// (group totals, suppressed under the node's minimum), unsigned. It reads
// every year's rows: a year's totals are its cell of the breakdown by
// year, and are signed suppressed when that breakdown hides them, also
// with another year (measure.Totals).
func (s *Service) Aggregate(ctx context.Context, year int) (registry.AggregateMetrics, error) {
	if year < measure.MinYear || year > measure.MaxYear {
		return registry.AggregateMetrics{}, registry.Invalid("query.year", "year must be from %d to %d", measure.MinYear, measure.MaxYear)
	}
	h, _, err := s.Holders(ctx)
	if err != nil {
		return registry.AggregateMetrics{}, err
	}
	gen, err := s.cfg.Snapshots.Generation(ctx)
	if err != nil {
		return registry.AggregateMetrics{}, err
	}
	src, err := s.rowSource(ctx, gen, 0)
	if err != nil {
		return registry.AggregateMetrics{}, err
	}
	tot, n, err := measure.Totals(src, h, year, s.cfg.Minimum)
	if err != nil {
		return registry.AggregateMetrics{}, err
	}
	if n == 0 {
		return registry.AggregateMetrics{}, fmt.Errorf("no snapshots for %d on this node: %w", year, registry.ErrNotFound)
	}
	return registry.AggregateMetrics{Jurisdiction: s.cfg.Node.Jurisdiction(), Year: year,
		Snapshot:       registry.AggregateSource{Generation: gen, Rows: n, ComputedOn: s.cfg.Node.Today()},
		MinPersonYears: s.cfg.Minimum.PersonYears, MinEmployers: max(1, s.cfg.Minimum.Employers),
		COR: tot[0], NonCOR: tot[1]}, nil
}

// Publish signs the node's aggregate for year into its feed, with its row
// count rounded down to a multiple of RowsGranularity. A group that would
// differ from the same group of an earlier version by less than the
// minimum is refused, suppressed or published as opt.SmallChanges says
// (smallChanges).
func (s *Service) Publish(ctx context.Context, p node.Principal, year int, opt PublishOptions) (registry.Entry, error) {
	// The aggregate is computed from claims data: refuse anyone but the
	// program administrator before reading any (the node refuses the
	// write too, but only after the aggregate's errors could have
	// answered).
	if err := claimsAccess(p, node.ScopeMetrics); err != nil {
		return registry.Entry{}, err
	}
	mode := cmp.Or(opt.SmallChanges, SmallChangesRefuse)
	if !slices.Contains(SmallChanges, mode) {
		return registry.Entry{}, registry.Invalid("query.small_changes", "small_changes is one of %s", strings.Join(SmallChanges, ", "))
	}
	a, err := s.Aggregate(ctx, year)
	if err != nil {
		return registry.Entry{}, err
	}
	a.Snapshot.Rows -= a.Snapshot.Rows % RowsGranularity
	return s.cfg.Node.PublishAggregateChecked(ctx, p, a, checkChanges(mode))
}

// ProvinceFigures is one member's figures in the national comparison,
// with their provenance.
type ProvinceFigures struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	// Status: "verified" (the signature checks against the member's
	// pinned key), "missing" (no aggregate for the year) or "unverified".
	Status   string                    `json:"status" enum:"verified,missing,unverified"`
	Error    string                    `json:"error,omitempty"`
	Snapshot *registry.AggregateSource `json:"snapshot,omitempty" doc:"Which snapshot data the member computed the figures from."`
	Minimum  *measure.Minimum          `json:"minimum,omitempty" doc:"The member's suppression threshold."`
	Groups   *measure.Pair             `json:"groups,omitempty"`
	Ratios   *measure.Ratios           `json:"rate_ratios,omitempty"`
	// Signed is the entry the figures come from: verify JWS against the
	// member's JWKS (kid in its protected header).
	Signed *SignedRef `json:"signed,omitempty"`
}

// SignedRef points at a signed entry.
type SignedRef struct {
	Iss registry.Jurisdiction `json:"iss"`
	Seq uint64                `json:"seq"`
	ID  string                `json:"id"`
	Ver uint64                `json:"ver"`
	Iat int64                 `json:"iat"`
	KID string                `json:"kid"`
	JWS string                `json:"jws"`
}

// National is the national comparison for a year.
type National struct {
	Year      int                   `json:"year"`
	AskedOf   registry.Jurisdiction `json:"asked_of"`
	Provinces []ProvinceFigures     `json:"provinces"`
	// Canada sums the verified members whose two groups are both shown
	// (a member with a suppressed group counts in neither; see Included).
	// Its employers are the sum of the members' counts: an employer
	// present in two provinces counts in each (members publish counts,
	// not employers).
	Canada   measure.Pair            `json:"canada"`
	Ratios   *measure.Ratios         `json:"rate_ratios,omitempty"`
	Included []registry.Jurisdiction `json:"included" doc:"Members whose verified figures are in the Canada totals: those with both groups shown."`
}

// National assembles the comparison by province from the node's own
// aggregate and its verified replicas of the other members', checking each
// one's signature again against that member's pinned keys.
func (s *Service) National(ctx context.Context, year int) (National, error) {
	self := s.cfg.Node.Jurisdiction()
	members := []registry.Jurisdiction{self}
	if f := s.cfg.Federation; f != nil {
		for _, j := range f.Members() {
			if j != self {
				members = append(members, j)
			}
		}
	}
	slices.Sort(members)
	out := National{Year: year, AskedOf: self, Provinces: []ProvinceFigures{}, Included: []registry.Jurisdiction{}}
	id := registry.AggregateID(year)
	entries := map[registry.Jurisdiction]registry.Entry{}
	err := s.cfg.Node.View(ctx, func(snap node.Snapshot) error {
		for _, j := range members {
			e, err := s.cfg.Node.LogOf(snap, j).Latest(registry.KindAggregate, id)
			switch {
			case errors.Is(err, registry.ErrNotFound):
				continue
			case err != nil:
				return err
			}
			entries[j] = e
		}
		return nil
	})
	if err != nil {
		return National{}, err
	}
	var sums [2]registry.AggregateGroup
	alpha := 0.05
	for _, j := range members {
		pf := ProvinceFigures{Jurisdiction: j, Status: "missing"}
		e, ok := entries[j]
		if !ok {
			out.Provinces = append(out.Provinces, pf)
			continue
		}
		a, ref, err := s.verify(j, e)
		if err != nil {
			pf.Status, pf.Error = "unverified", err.Error()
			out.Provinces = append(out.Provinces, pf)
			continue
		}
		pf.Status, pf.Signed, pf.Snapshot = "verified", ref, &a.Snapshot
		pf.Minimum = &measure.Minimum{PersonYears: a.MinPersonYears, Employers: a.MinEmployers}
		p := measure.Pair{COR: measure.FromAggregate(a.COR, alpha), NonCOR: measure.FromAggregate(a.NonCOR, alpha)}
		pf.Groups, pf.Ratios = &p, measure.CompareGroups(p, measure.Z95)
		out.Provinces = append(out.Provinces, pf)
		// Both groups or neither: the Canada groups must cover the same
		// members, or the ratio compares one province's holders with
		// another's non-holders.
		if !a.COR.Suppressed && !a.NonCOR.Suppressed {
			sums[0] = measure.AddAggregate(sums[0], a.COR)
			sums[1] = measure.AddAggregate(sums[1], a.NonCOR)
			out.Included = append(out.Included, j)
		}
	}
	for i := range sums {
		if sums[i].Employers == 0 {
			sums[i] = registry.AggregateGroup{Suppressed: true}
		}
	}
	out.Canada = measure.Pair{COR: measure.FromAggregate(sums[0], alpha), NonCOR: measure.FromAggregate(sums[1], alpha)}
	out.Ratios = measure.CompareGroups(out.Canada, measure.Z95)
	return out, nil
}

// verify checks e's signature against issuer j's keys: the node's own for
// itself, the pinned ones for a peer.
func (s *Service) verify(j registry.Jurisdiction, e registry.Entry) (registry.AggregateMetrics, *SignedRef, error) {
	var keys *jose.KeySet
	if j == s.cfg.Node.Jurisdiction() {
		keys = s.cfg.Node.PublicKeys()
	} else if s.cfg.Federation != nil {
		var ok bool
		if keys, ok = s.cfg.Federation.KeySet(j); !ok {
			return registry.AggregateMetrics{}, nil, fmt.Errorf("no pinned keys for %s: %w", j, registry.ErrUnverified)
		}
	}
	v, err := federation.VerifyEntry(keys, j, e.JWS)
	if err != nil {
		return registry.AggregateMetrics{}, nil, err
	}
	ve := v.Entry()
	if ve.Kind != registry.KindAggregate || ve.Seq != e.Seq {
		return registry.AggregateMetrics{}, nil, fmt.Errorf("the signed entry is not the stored one: %w", registry.ErrUnverified)
	}
	a, err := node.Decode[registry.AggregateMetrics](ve)
	if err != nil {
		return registry.AggregateMetrics{}, nil, err
	}
	if a.Jurisdiction != j {
		return registry.AggregateMetrics{}, nil, fmt.Errorf("%s signed figures for %s: %w", j, a.Jurisdiction, registry.ErrUnverified)
	}
	if err := a.Validate(); err != nil {
		return registry.AggregateMetrics{}, nil, err
	}
	return a, &SignedRef{Iss: ve.Iss, Seq: ve.Seq, ID: ve.ID, Ver: ve.Ver, Iat: ve.Iat, KID: kidOf(ve.JWS), JWS: ve.JWS}, nil
}

// kidOf reads the kid of a compact JWS's protected header ("" when absent).
func kidOf(jws string) string {
	h, _, ok := strings.Cut(jws, ".")
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return ""
	}
	var hdr struct {
		KID string `json:"kid"`
	}
	if json.Unmarshal(b, &hdr) != nil {
		return ""
	}
	return hdr.KID
}
