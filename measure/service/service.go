// Package service is the measurement model's node-facing service: it
// imports performance snapshots into the node's snapshot file (with
// scopes), joins them with the certificates the node keeps to compute the
// OHS metrics, computes process metrics from the node's records, publishes
// the node's signed aggregate metrics and assembles the national
// comparison from the federation's verified replicas.
//
// It sits beside the federation layer: it imports registry/node,
// federation, measure and measure/snapstore, and knows nothing of HTTP.
package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Config configures the service.
type Config struct {
	Node      *node.Node
	Snapshots *snapstore.Store
	// Federation gives the national comparison its members; nil for a lone node.
	Federation *federation.Federation
	// Minimum is the suppression threshold; zero value: measure.DefaultMinimum.
	Minimum measure.Minimum
}

// Service is safe for concurrent use.
type Service struct {
	cfg Config

	// rebuild is held while the holders or the process facts are rebuilt
	// from the records (a scan of the registry), so that callers arriving
	// meanwhile wait for that one rebuild and reuse it.
	rebuild sync.Mutex
	recs    *records // the records the metrics read; only rebuild's holder uses it

	mu         sync.Mutex
	holders    *measure.Holders // built from records.version holdersVer
	holdersVer uint64
	heldAt     uint64               // the feed size holders were last found current at
	results    *lru[measure.Result] // OHS answers by query, snapshot generation and records version
	facts      *processFacts        // process metrics' inputs, current at feed size facts.size
	reports    *lru[measure.ProcessReport]
	industries map[string]bool // the industry codes of the rows at generation industriesGen (industriesRead)
	indGen     uint64
	indRead    bool
	rowsRead   bool               // rows and rowsGen were read
	rowsGen    uint64             // the snapshot generation rows were read at
	rows       []measure.Snapshot // every snapshot row at rowsGen; nil when more than MaxHeldSnapshotRows

	// computing admits one OHS computation at a time: an answer not in the
	// cache reads every snapshot row of its years, and questions nobody
	// asked before (any industry code) must not take every core.
	computing chan struct{}
	// processing admits one process metrics computation at a time, for
	// the same reason: any period is a new question.
	processing chan struct{}
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Minimum == (measure.Minimum{}) {
		cfg.Minimum = measure.DefaultMinimum
	}
	return &Service{cfg: cfg, results: newLRU[measure.Result](maxCached), reports: newLRU[measure.ProcessReport](maxCached),
		computing: make(chan struct{}, 1), processing: make(chan struct{}, 1)}
}

// Minimum returns the suppression threshold in force.
func (s *Service) Minimum() measure.Minimum { return s.cfg.Minimum }

// Import validates rows and stores them, all or none. Problems come back
// as a *measure.Report (wrapping registry.ErrInvalid), rows numbered from
// first.
func (s *Service) Import(ctx context.Context, p node.Principal, rows []measure.Snapshot, first int) (snapstore.PutResult, error) {
	if err := claimsAccess(p, node.ScopeSnapshotsWrite); err != nil {
		return snapstore.PutResult{}, err
	}
	rep := measure.ValidateAll(rows, first)
	conflicts, err := s.cfg.Snapshots.Conflicts(ctx, rows)
	if err != nil {
		return snapstore.PutResult{}, err
	}
	for _, i := range slices.Sorted(maps.Keys(conflicts)) {
		if len(rep.Problems) >= measure.MaxProblems {
			rep.Truncated = true
			break
		}
		col := "wcb_account"
		if rows[i].WCBAccount == "" {
			col = "employer_bn"
		}
		rep.Problems = append(rep.Problems, measure.Problem{Row: first + i, Column: col, Message: conflicts[i]})
	}
	if err := rep.Err(); err != nil {
		return snapstore.PutResult{}, err
	}
	return s.cfg.Snapshots.Put(ctx, rows)
}

// claimsAccess is nil when p may read or write claims data (scope): the
// program administrator's, with the scope. Claims rows are not records of
// the feed, so no CP check of the feed's writes guards them: a CP token,
// even one given the scope, of a CP suspended or unknown, reads and
// writes none (review s25-r, finding 5).
func claimsAccess(p node.Principal, scope string) error {
	if p.Role != node.RoleAdmin {
		return fmt.Errorf("claims data is the program administrator's, not a %s's: %w", p.Role, registry.ErrForbidden)
	}
	if !p.Can(scope) {
		return fmt.Errorf("token lacks scope %s: %w", scope, registry.ErrForbidden)
	}
	return nil
}

// MaxSnapshots bounds one read of snapshot rows.
const MaxSnapshots = 1000

// Snapshots returns up to limit rows of year, for employer bn when bn is
// not empty; truncated says more rows match.
func (s *Service) Snapshots(ctx context.Context, p node.Principal, year int, bn string, limit int) (rows []measure.Snapshot, truncated bool, err error) {
	if err := claimsAccess(p, node.ScopeSnapshotsRead); err != nil {
		return nil, false, err
	}
	if limit <= 0 || limit > MaxSnapshots {
		limit = MaxSnapshots
	}
	gen, err := s.cfg.Snapshots.Generation(ctx)
	if err != nil {
		return nil, false, err
	}
	// An employer's rows are read through the file's index of them; other
	// lists from the held rows when few, or from the file, as far as the
	// limit.
	src := func(fn func(*measure.Snapshot) bool) error { return s.cfg.Snapshots.EachOf(ctx, bn, year, fn) }
	if bn == "" {
		if src, err = s.rowSource(ctx, gen, year); err != nil {
			return nil, false, err
		}
	}
	err = src(func(r *measure.Snapshot) bool {
		if (year != 0 && r.Year != year) || (bn != "" && r.EmployerBN != bn) {
			return true
		}
		if len(rows) == limit {
			truncated = true
			return false
		}
		rows = append(rows, *r)
		return true
	})
	if err != nil {
		return nil, false, err
	}
	return rows, truncated, nil
}

// feedSize returns the size of the node's own feed: certificates change
// only when it grows.
func (s *Service) feedSize(ctx context.Context) (uint64, error) {
	_, size, err := s.cfg.Node.Feed(ctx, 0, 1)
	return size, err
}

// Holders returns the index of the node's certificates and the version
// of the records it was built from (records.version): it is rebuilt only
// when a certificate, audit, review or letter changed since, not for
// every entry the feed gains.
func (s *Service) Holders(ctx context.Context) (*measure.Holders, uint64, error) {
	size, err := s.feedSize(ctx)
	if err != nil {
		return nil, 0, err
	}
	if h, ver := s.heldHolders(size); h != nil {
		return h, ver, nil
	}
	s.rebuild.Lock()
	defer s.rebuild.Unlock()
	if h, ver := s.heldHolders(size); h != nil { // rebuilt while this call waited
		return h, ver, nil
	}
	r, err := s.sync(ctx)
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	h, ver := s.holders, s.holdersVer
	s.mu.Unlock()
	if h == nil || ver != r.version {
		h, ver = measure.NewHoldersOf(r.certificates()), r.version
	}
	s.mu.Lock()
	s.holders, s.holdersVer, s.heldAt = h, ver, r.size
	s.mu.Unlock()
	return h, ver, nil
}

// heldHolders returns the holders current at feed size size and their
// version, or nil.
func (s *Service) heldHolders(size uint64) (*measure.Holders, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.heldAt != size {
		return nil, 0
	}
	return s.holders, s.holdersVer
}

// maxCached bounds the answers kept in each cache; when it is full, the
// answer used least recently is dropped.
const maxCached = 256

// keep stores answer v under key in cache m (one of s's).
func keep[V any](s *Service, m *lru[V], key string, v V) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.put(key, v)
}

// OHS answers an OHS metrics query with the node's minimum. Answers are
// cached until a snapshot import or a changed certificate changes them,
// so a repeated question costs a map lookup.
func (s *Service) OHS(ctx context.Context, q measure.Query) (measure.Result, error) {
	q.Minimum = s.cfg.Minimum
	if err := q.Validate(); err != nil {
		return measure.Result{}, registry.Invalid("query.group_by", "%v", err)
	}
	h, ver, err := s.Holders(ctx)
	if err != nil {
		return measure.Result{}, err
	}
	gen, err := s.cfg.Snapshots.Generation(ctx)
	if err != nil {
		return measure.Result{}, err
	}
	// One answer per set of dimensions, whatever their order: it is
	// decided over them in measure.Dimensions order, and listed in the
	// order asked.
	asked := q.GroupBy
	q.GroupBy = measure.CanonicalDims(asked)
	key := fmt.Sprintf("%d|%s|%s|%d|%d", q.Year, q.Industry, strings.Join(q.GroupBy, ","), gen, ver)
	cached := func() (measure.Result, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, ok := s.results.get(key)
		return r.InOrder(asked), ok
	}
	if r, ok := cached(); ok {
		return r, nil
	}
	select {
	case s.computing <- struct{}{}:
		defer func() { <-s.computing }()
	case <-ctx.Done():
		return measure.Result{}, ctx.Err()
	}
	if r, ok := cached(); ok { // computed while this call waited
		return r, nil
	}
	if q.Industry != "" {
		// Each industry is a computation over every row: one no row has
		// is refused, not computed (any 32 characters would do).
		known, err := s.industryCodes(ctx, gen)
		if err != nil {
			return measure.Result{}, err
		}
		if !known[q.Industry] {
			return measure.Result{}, registry.Invalid("query.industry", "no performance snapshot has industry code %q", q.Industry)
		}
	}
	// Every row, even for a question about one year or industry: its
	// answer is read from the tables over every row, so that it hides
	// what they hide (measure.ComputeFrom).
	src, err := s.rowSource(ctx, gen, 0)
	if err != nil {
		return measure.Result{}, err
	}
	var readErr error
	r, err := measure.ComputeFrom(func(fn func(*measure.Snapshot) bool) error {
		readErr = src(fn)
		return readErr
	}, h, q)
	switch {
	case readErr != nil:
		return measure.Result{}, readErr
	case err != nil:
		return measure.Result{}, registry.Invalid("query", "%v", err)
	}
	keep(s, s.results, key, r)
	return r.InOrder(asked), nil
}

// industryCodes returns the industry codes of the snapshot rows at
// generation gen, read once per generation (its caller holds the
// computing slot).
func (s *Service) industryCodes(ctx context.Context, gen uint64) (map[string]bool, error) {
	s.mu.Lock()
	if s.indRead && s.indGen == gen {
		m := s.industries
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	src, err := s.rowSource(ctx, gen, 0)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	if err := src(func(r *measure.Snapshot) bool {
		if r.IndustryCode != "" && !m[r.IndustryCode] {
			m[strings.Clone(r.IndustryCode)] = true
		}
		return true
	}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.industries, s.indGen, s.indRead = m, gen, true
	s.mu.Unlock()
	return m, nil
}

// MaxHeldSnapshotRows bounds the snapshot rows the service keeps in
// memory (about 170 bytes each): past it, each computation reads its
// year's rows from the file as it goes (about 2 us a row), none kept, and
// the node's memory stays what its limit allows. A variable for the
// tests.
var MaxHeldSnapshotRows = 300_000

// heldRows returns every snapshot row at generation gen when there are at
// most MaxHeldSnapshotRows of them (nil when there are more: the file
// counts them), read from the snapshot file once per generation and
// shared, read-only, by the computations, which skip the years they do
// not ask for: one copy of the rows, whatever the questions.
func (s *Service) heldRows(ctx context.Context, gen uint64) ([]measure.Snapshot, error) {
	s.mu.Lock()
	if s.rowsRead && s.rowsGen == gen {
		rows := s.rows
		s.mu.Unlock()
		return rows, nil
	}
	s.mu.Unlock()
	got, n, err := s.cfg.Snapshots.Count(ctx)
	if err != nil {
		return nil, err
	}
	if n > uint64(MaxHeldSnapshotRows) {
		s.mu.Lock()
		s.rows, s.rowsGen, s.rowsRead = nil, got, true
		s.mu.Unlock()
		return nil, nil
	}
	rows := []measure.Snapshot{}
	got, err = s.cfg.Snapshots.Each(ctx, 0, func(r *measure.Snapshot) bool {
		if len(rows) == MaxHeldSnapshotRows {
			rows = nil
			return false
		}
		rows = append(rows, *r)
		return true
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.rows, s.rowsGen, s.rowsRead = rows, got, true
	s.mu.Unlock()
	return rows, nil
}

// rowSource returns the snapshot rows of year (every year when 0) at
// generation gen: the held rows when there are few enough, else a read
// of the file as the caller goes (a generation newer than gen, imported
// meanwhile, is read as it is: the answer is as of when it was asked).
func (s *Service) rowSource(ctx context.Context, gen uint64, year int) (measure.RowSource, error) {
	rows, err := s.heldRows(ctx, gen)
	if err != nil {
		return nil, err
	}
	if rows != nil {
		return measure.SliceRows(rows), nil
	}
	return func(fn func(*measure.Snapshot) bool) error {
		_, err := s.cfg.Snapshots.Each(ctx, year, fn)
		return err
	}, nil
}

// Years returns the years with snapshots, newest first.
func (s *Service) Years(ctx context.Context) ([]int, error) {
	ys, err := s.cfg.Snapshots.YearList(ctx)
	if err != nil {
		return nil, err
	}
	slices.Reverse(ys)
	return ys, nil
}
