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

	mu      sync.Mutex
	holders *measure.Holders // certificates as of feed size holdersAt
	heldAt  uint64
	results map[string]measure.Result // OHS answers by query, generation and feed size
	facts   *processFacts             // process metrics' inputs as of feed size facts.size
	reports map[string]measure.ProcessReport
	rowsGen uint64             // the snapshot generation rows were read at
	rows    []measure.Snapshot // every snapshot row, when rowsGen is current

	// computing admits one OHS computation at a time: an answer not in the
	// cache reads every snapshot row of its years, and questions nobody
	// asked before (any industry code) must not take every core.
	computing chan struct{}
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Minimum == (measure.Minimum{}) {
		cfg.Minimum = measure.DefaultMinimum
	}
	return &Service{cfg: cfg, results: map[string]measure.Result{}, reports: map[string]measure.ProcessReport{},
		computing: make(chan struct{}, 1)}
}

// Minimum returns the suppression threshold in force.
func (s *Service) Minimum() measure.Minimum { return s.cfg.Minimum }

// Import validates rows and stores them, all or none. Problems come back
// as a *measure.Report (wrapping registry.ErrInvalid), rows numbered from
// first.
func (s *Service) Import(ctx context.Context, p node.Principal, rows []measure.Snapshot, first int) (snapstore.PutResult, error) {
	if !p.Can(node.ScopeSnapshotsWrite) {
		return snapstore.PutResult{}, fmt.Errorf("token lacks scope %s: %w", node.ScopeSnapshotsWrite, registry.ErrForbidden)
	}
	if err := measure.ValidateAll(rows, first).Err(); err != nil {
		return snapstore.PutResult{}, err
	}
	return s.cfg.Snapshots.Put(ctx, rows)
}

// MaxSnapshots bounds one read of snapshot rows.
const MaxSnapshots = 1000

// Snapshots returns up to limit rows of year, for employer bn when bn is
// not empty; truncated says more rows match.
func (s *Service) Snapshots(ctx context.Context, p node.Principal, year int, bn string, limit int) (rows []measure.Snapshot, truncated bool, err error) {
	if !p.Can(node.ScopeSnapshotsRead) {
		return nil, false, fmt.Errorf("token lacks scope %s: %w", node.ScopeSnapshotsRead, registry.ErrForbidden)
	}
	if limit <= 0 || limit > MaxSnapshots {
		limit = MaxSnapshots
	}
	gen, err := s.cfg.Snapshots.Generation(ctx)
	if err != nil {
		return nil, false, err
	}
	all, err := s.snapshotRows(ctx, gen) // in memory: no read of the file per request
	if err != nil {
		return nil, false, err
	}
	for _, r := range all {
		if (year != 0 && r.Year != year) || (bn != "" && r.EmployerBN != bn) {
			continue
		}
		if len(rows) == limit {
			return rows, true, nil
		}
		rows = append(rows, r)
	}
	return rows, false, nil
}

// feedSize returns the size of the node's own feed: certificates change
// only when it grows.
func (s *Service) feedSize(ctx context.Context) (uint64, error) {
	_, size, err := s.cfg.Node.Feed(ctx, 0, 1)
	return size, err
}

// Holders returns the index of the node's certificates, rebuilt when the
// feed has grown.
func (s *Service) Holders(ctx context.Context) (*measure.Holders, uint64, error) {
	size, err := s.feedSize(ctx)
	if err != nil {
		return nil, 0, err
	}
	if h := s.heldHolders(size); h != nil {
		return h, size, nil
	}
	s.rebuild.Lock()
	defer s.rebuild.Unlock()
	if h := s.heldHolders(size); h != nil { // rebuilt while this call waited
		return h, size, nil
	}
	r, err := s.sync(ctx)
	if err != nil {
		return nil, 0, err
	}
	h := measure.NewHolders(r.certificates())
	s.mu.Lock()
	s.holders, s.heldAt = h, r.size
	s.mu.Unlock()
	return h, r.size, nil
}

// heldHolders returns the holders built at feed size size, or nil.
func (s *Service) heldHolders(size uint64) *measure.Holders {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.heldAt != size {
		return nil
	}
	return s.holders
}

// maxCached bounds the answers kept; the cache is emptied when full.
const maxCached = 256

// keep stores answer v under key in cache m (one of s's), emptying m first
// when it is full.
func keep[V any](s *Service, m map[string]V, key string, v V) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(m) >= maxCached {
		clear(m)
	}
	m[key] = v
}

// OHS answers an OHS metrics query with the node's minimum. Answers are
// cached until a snapshot import or a new entry of the feed changes them,
// so a repeated question costs a map lookup.
func (s *Service) OHS(ctx context.Context, q measure.Query) (measure.Result, error) {
	q.Minimum = s.cfg.Minimum
	if err := q.Validate(); err != nil {
		return measure.Result{}, registry.Invalid("query.group_by", "%v", err)
	}
	h, size, err := s.Holders(ctx)
	if err != nil {
		return measure.Result{}, err
	}
	gen, err := s.cfg.Snapshots.Generation(ctx)
	if err != nil {
		return measure.Result{}, err
	}
	key := fmt.Sprintf("%d|%s|%s|%d|%d", q.Year, q.Industry, strings.Join(q.GroupBy, ","), gen, size)
	cached := func() (measure.Result, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, ok := s.results[key]
		return r, ok
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
	rows, err := s.snapshotRows(ctx, gen)
	if err != nil {
		return measure.Result{}, err
	}
	r, err := measure.Compute(rows, h, q)
	if err != nil {
		return measure.Result{}, registry.Invalid("query", "%v", err)
	}
	keep(s, s.results, key, r)
	return r, nil
}

// MaxHeldSnapshotRows bounds the snapshot rows the service keeps in
// memory (about 170 bytes each): past it, each computation reads the rows
// from the file again, and the node's memory stays what its limit allows.
// A variable for the tests.
var MaxHeldSnapshotRows = 300_000

// snapshotRows returns every snapshot row at generation gen, read from
// the snapshot file (about 5 us a row) once per generation and shared,
// read-only, by the computations, which skip the years they do not ask
// for: one copy of the rows, whatever the questions. Past
// MaxHeldSnapshotRows rows they are read for each computation.
func (s *Service) snapshotRows(ctx context.Context, gen uint64) ([]measure.Snapshot, error) {
	s.mu.Lock()
	if s.rows != nil && s.rowsGen == gen {
		rows := s.rows
		s.mu.Unlock()
		return rows, nil
	}
	s.mu.Unlock()
	rows, got, err := s.cfg.Snapshots.Rows(ctx, 0)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []measure.Snapshot{}
	}
	s.mu.Lock()
	if len(rows) <= MaxHeldSnapshotRows {
		s.rows, s.rowsGen = rows, got
	} else {
		s.rows = nil
	}
	s.mu.Unlock()
	return rows, nil
}

// Years returns the years with snapshots, newest first.
func (s *Service) Years(ctx context.Context) ([]int, error) {
	m, err := s.cfg.Snapshots.Years(ctx)
	if err != nil {
		return nil, err
	}
	var ys []int
	for y := range m {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	slices.Reverse(ys)
	return ys, nil
}
