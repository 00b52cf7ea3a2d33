package node

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/google/btree"
)

// maintenanceList holds the maintenance audits missing for the live
// certificates whose audits are recorded on this node (GET
// /v1/maintenance), in a B-tree by due date, certificate and year, as of
// a size of the node's feed: a page is a seek and its items, its total a
// sum over the due days (a few hundred a year), and a certificate changed
// a delete and an insert per item.
//
// It is built from every live certificate (the live index, a batch of
// LifecycleBatch per read transaction), then follows the feed in steps of
// at most maintenanceStep entries: it reads the entries appended since,
// and computes again, alone, each certificate they may change: the
// certificate of a certificate entry; for an audit or an equivalency, the
// certificate it names and the employer's certificates (a certificate's
// basis audit may be recorded after it). Reading N new entries costs N
// entries, whatever the registry's size. A program definition can move
// the due dates of every certificate of the program: the list is built
// again.
//
// On a served node a worker (KeepMaintenanceList) does the building, from
// the node's start, and the following, woken after each commit; a
// request then never builds. Before the first build is done, and while
// the list is built again after a program definition (the list is
// dropped, not kept beside the new one: memory stays one list), a request
// gets ErrUnavailable with a retry delay (an *UnavailableError). A
// request reads at most one step of the feed the worker has not read yet
// (what its caller has just written), and answers as of that size. A node
// nothing keeps (tests, the command line) builds and follows the list in
// the request, as it always did. The worker saves the list in the store
// and, after a restart, follows the feed from the saved list instead of
// building it (maintstate.go).
//
// Whether a year is missing does not depend on the day (only whether it
// is overdue, set when a page is answered), so the list stays true from
// one day to the next without a write.
type maintenanceList struct {
	mu   sync.Mutex  // held while the list is brought up to date and read
	list *maintState // nil: not built yet, or dropped to be built again
	kept bool        // a worker builds and follows the list (KeepMaintenanceList)
	wake chan struct{}
	done chan struct{} // closed when the worker returns
	work maintWork
	// The worker's own (maintstate.go): whether it has looked for a
	// saved state, and what it saved last.
	restored bool
	saved    struct {
		at   uint64
		when time.Time
	}
}

// maintWork counts what the list has read since the node started (a test
// compares it with the entries appended; the cost of a step is its
// entries, not the registry).
type maintWork struct {
	entries      atomic.Int64 // feed entries read to follow the feed
	certificates atomic.Int64 // certificates computed (built or listed again)
	builds       atomic.Int64 // builds from every live certificate
}

// maintState is the list as of feed size at.
type maintState struct {
	at     uint64                    // the feed size the list reflects
	items  *btree.BTreeG[*maintItem] // by key
	byCert map[string][]*maintItem   // the items of each certificate listed
	perDay map[registry.Date]int     // how many items are due each day (a page's total)
}

func newMaintState() *maintState {
	return &maintState{items: btree.NewG(32, maintLess), byCert: map[string][]*maintItem{}, perDay: map[registry.Date]int{}}
}

// maintItem is one missing maintenance year (Overdue is set when a page
// is answered).
type maintItem = MaintenanceItem

// maintLess orders the list: due date, certificate, year (a cursor names
// an item by maintenanceKey).
func maintLess(a, b *maintItem) bool {
	if c := a.DueOn.Compare(b.DueOn); c != 0 {
		return c < 0
	}
	if a.Certificate != b.Certificate {
		return a.Certificate < b.Certificate
	}
	return a.Year < b.Year
}

// parseMaintenanceKey reads a cursor's key (maintenanceKey) back.
func parseMaintenanceKey(k string) (*maintItem, error) {
	due, rest, ok1 := strings.Cut(k, "/")
	i := strings.LastIndexByte(rest, '/')
	d, err := registry.ParseDate(due)
	if !ok1 || i < 0 || err != nil {
		return nil, badCursor("not a maintenance list cursor; start again without a cursor")
	}
	y, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return nil, badCursor("not a maintenance list cursor; start again without a cursor")
	}
	return &maintItem{DueOn: d, Certificate: rest[:i], Year: y}, nil
}

// maintenanceStep is the most feed entries the list reads in one read
// transaction (and, on a node a worker keeps, in one request).
var maintenanceStep = 1000

// maintenanceRetry is the delay a request the list cannot answer yet
// asks its caller to wait (Retry-After): a build reads about 150,000
// live certificates a second.
const maintenanceRetry = 5 * time.Second

// maintenanceBuildBatch, if set, is called before each batch of a build
// (a test holds a build there).
var maintenanceBuildBatch atomic.Pointer[func()]

// errMaintenanceBuilding is what a request gets while the list is built.
func errMaintenanceBuilding() error {
	return registry.Unavailable(maintenanceRetry, "the maintenance list is being built (the node has just started, or a program definition changed); ask again in a few seconds")
}

// current brings the list up to date with the node's feed for a request
// and returns it. m.mu is held. On a node a worker keeps, it reads at
// most one step and never builds.
func (m *maintenanceList) current(ctx context.Context, n *Node) (*maintState, error) {
	if m.kept {
		if m.list == nil {
			return nil, errMaintenanceBuilding()
		}
		_, rebuild, err := m.list.step(ctx, n, &m.work)
		if err != nil {
			return nil, err
		}
		if rebuild {
			m.drop()
			return nil, errMaintenanceBuilding()
		}
		return m.list, nil
	}
	for {
		if m.list == nil {
			s, err := build(ctx, n, &m.work)
			if err != nil {
				return nil, err
			}
			m.list = s
		}
		caught, rebuild, err := m.list.step(ctx, n, &m.work)
		switch {
		case err != nil:
			return nil, err
		case rebuild:
			m.list = nil
		case caught:
			return m.list, nil
		}
	}
}

// drop forgets the list and wakes the worker to build it again. m.mu is
// held.
func (m *maintenanceList) drop() {
	m.list = nil
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// KeepMaintenanceList makes a worker build the maintenance list now (or
// read back its saved state) and follow the feed after each commit, until
// ctx ends; requests then never build it (they get ErrUnavailable until
// it is ready). It returns at once, with a channel closed when the worker
// has returned: once ctx ended, after saving the list if it changed since
// its last save, so close the store after it. onError, if set, is given
// each error of the worker (it tries again after the next commit, or a
// minute).
func (n *Node) KeepMaintenanceList(ctx context.Context, onError func(error)) (done <-chan struct{}) {
	m := &n.maintenance
	m.mu.Lock()
	if m.kept {
		m.mu.Unlock()
		return m.done
	}
	m.kept, m.wake, m.done = true, make(chan struct{}, 1), make(chan struct{})
	m.mu.Unlock()
	commits, stop := n.Watch()
	go func() {
		defer close(m.done)
		defer stop()
		defer func() {
			if err := m.saveAtStop(context.WithoutCancel(ctx), n); err != nil && onError != nil {
				onError(fmt.Errorf("maintenance list: %w", err))
			}
		}()
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for ctx.Err() == nil {
			more, err := m.keep(ctx, n)
			if err != nil && ctx.Err() == nil && onError != nil {
				onError(fmt.Errorf("maintenance list: %w", err))
			}
			if more && err == nil {
				continue
			}
			select {
			case <-ctx.Done():
			case <-commits:
			case <-m.wake:
			case <-tick.C:
			}
		}
	}()
	return m.done
}

// keep is one turn of the worker: it builds the list if there is none,
// else reads one step of the feed; more says that more is to read.
func (m *maintenanceList) keep(ctx context.Context, n *Node) (more bool, err error) {
	m.mu.Lock()
	s := m.list
	if s != nil {
		caught, rebuild, err := s.step(ctx, n, &m.work)
		if rebuild {
			m.drop()
		}
		var snap *maintState
		if caught && !rebuild && err == nil && m.saveDue(s) {
			snap = s.snapshot()
		}
		m.mu.Unlock()
		if snap != nil {
			err = m.save(ctx, n, snap)
		}
		return !caught || rebuild, err
	}
	m.mu.Unlock()
	// Restored (once, as the node starts: maintstate.go) or built, and
	// brought near the feed's end outside the lock (requests meanwhile
	// get ErrUnavailable at once), the last steps under it.
	if !m.restored {
		m.restored = true
		s = m.restore(ctx, n)
	}
	if s == nil {
		if s, err = build(ctx, n, &m.work); err != nil {
			return false, err
		}
	}
	if rebuild, err := s.catchUp(ctx, n, &m.work); err != nil || rebuild {
		return rebuild, err
	}
	m.mu.Lock()
	if rebuild, err := s.catchUp(ctx, n, &m.work); err != nil || rebuild {
		m.mu.Unlock()
		return rebuild, err
	}
	m.list = s
	var snap *maintState
	if s.at != m.saved.at {
		snap = s.snapshot()
	}
	m.mu.Unlock()
	if snap != nil {
		return false, m.save(ctx, n, snap)
	}
	return false, nil
}

// catchUp steps s to the feed's end (step), or until the list must be
// built again.
func (s *maintState) catchUp(ctx context.Context, n *Node, w *maintWork) (rebuild bool, err error) {
	for caught := false; !caught; {
		if caught, rebuild, err = s.step(ctx, n, w); err != nil || rebuild {
			return rebuild, err
		}
	}
	return false, nil
}

// step reads up to maintenanceStep entries of the feed after s.at, in one
// read transaction, and lists again each certificate they may change. It
// reports whether s now reflects the whole feed, or whether the list must
// be built again instead (a program definition; s is then unchanged).
func (s *maintState) step(ctx context.Context, n *Node, w *maintWork) (caught, rebuild bool, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		size := l.Size()
		if size < s.at {
			rebuild = true
			return nil
		}
		end := min(size, s.at+uint64(maintenanceStep))
		changed := map[string]bool{}
		for after := s.at; after < end; {
			es, err := l.Entries(after, min(registry.MaxScan, int(end-after)))
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return errors.New("maintenance list: the feed ended before its size")
			}
			w.entries.Add(int64(len(es)))
			for _, e := range es {
				if e.Seq > end {
					break
				}
				after = e.Seq
				if rebuild, err = affected(l, e, changed); err != nil || rebuild {
					return err
				}
			}
		}
		for id := range changed {
			if err := s.relist(l, id, w); err != nil {
				return err
			}
		}
		s.at, caught = end, end == size
		return nil
	})
	return caught, rebuild, err
}

// relist computes certificate id's items again.
func (s *maintState) relist(l registry.Log, id string, w *maintWork) error {
	s.remove(id)
	e, err := l.Latest(registry.KindCertificate, id)
	if errors.Is(err, registry.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := decode[registry.Certificate](e)
	if err != nil {
		return err
	}
	if registry.Terminal(c.Status) { // not live: liveKey
		return nil
	}
	w.certificates.Add(1)
	its, err := missingOf(l, c)
	if err != nil {
		return err
	}
	s.add(its)
	return nil
}

// affected adds to changed the certificates entry e may change, and
// reports whether the list must be built again instead.
func affected(l registry.Log, e registry.Entry, changed map[string]bool) (rebuild bool, err error) {
	var bn string
	switch e.Kind {
	case registry.KindProgram:
		return true, nil
	case registry.KindCertificate:
		changed[e.ID] = true
		return false, nil
	case registry.KindAudit:
		a, err := decode[registry.Audit](e)
		if err != nil {
			return false, err
		}
		if a.Certificate != "" {
			changed[a.Certificate] = true
		}
		bn = a.EmployerBN
	case registry.KindEquivalency:
		q, err := decode[registry.Equivalency](e)
		if err != nil {
			return false, err
		}
		bn = q.EmployerBN
	default:
		return false, nil
	}
	if bn == "" {
		return false, nil
	}
	refs, err := l.Lookup("bn", bn, false, registry.MaxScan)
	if err != nil {
		return false, err
	}
	for _, r := range refs {
		if r.Kind == registry.KindCertificate {
			changed[r.ID] = true
		}
	}
	return false, nil
}

// build makes a list from every live certificate, a batch per read
// transaction, as of the feed's size before the first batch: a batch may
// already see later versions, and following the feed from that size
// lists each certificate changed since again.
func build(ctx context.Context, n *Node, w *maintWork) (*maintState, error) {
	w.builds.Add(1)
	s := newMaintState()
	if err := n.db.View(ctx, func(tx registry.StoreTx) error { s.at = tx.Log(SelfLog).Size(); return nil }); err != nil {
		return nil, err
	}
	after := registry.IndexHit{}
	for more := true; more; {
		if hold := maintenanceBuildBatch.Load(); hold != nil {
			(*hold)()
		}
		err := n.db.View(ctx, func(tx registry.StoreTx) error {
			l := tx.Log(SelfLog)
			var err error
			after, more, err = eachLive(l, after, func(c registry.Certificate) error {
				w.certificates.Add(1)
				its, err := missingOf(l, c)
				s.remove(c.ID) // a certificate moved in the live index since an earlier batch
				s.add(its)
				return err
			})
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// add lists a certificate's items (none, or all of one certificate).
func (m *maintState) add(its []*maintItem) {
	if len(its) == 0 {
		return
	}
	m.byCert[its[0].Certificate] = its
	for _, it := range its {
		m.items.ReplaceOrInsert(it)
		m.perDay[it.DueOn]++
	}
}

// remove takes certificate id's items off the list.
func (m *maintState) remove(id string) {
	for _, it := range m.byCert[id] {
		m.items.Delete(it)
		if m.perDay[it.DueOn]--; m.perDay[it.DueOn] <= 0 {
			delete(m.perDay, it.DueOn)
		}
	}
	delete(m.byCert, id)
}

// page returns up to limit items due on or before before that follow
// the item after (a cursor's key; "" for the first page), whether more
// follow them, and the total due on or before before.
func (m *maintState) page(before registry.Date, after string, limit int) (items []*maintItem, more bool, total int, err error) {
	pivot := &maintItem{}
	if after != "" {
		if pivot, err = parseMaintenanceKey(after); err != nil {
			return nil, false, 0, err
		}
	}
	for d, k := range m.perDay {
		if !d.After(before) {
			total += k
		}
	}
	m.items.AscendGreaterOrEqual(pivot, func(it *maintItem) bool {
		switch {
		case after != "" && !maintLess(pivot, it): // the cursor's own item
			return true
		case it.DueOn.After(before):
			return false
		case len(items) == limit:
			more = true
			return false
		}
		items = append(items, it)
		return true
	})
	return items, more, total, nil
}

// missingOf returns certificate c's missing maintenance years as list
// items. Their strings are copies: a decoded record's strings share its
// buffer, which the list would otherwise keep whole.
func missingOf(l registry.Log, c registry.Certificate) ([]*maintItem, error) {
	pl, err := planFor(l, c, registry.Date{})
	if err != nil || len(pl.missing) == 0 {
		return nil, err
	}
	out := make([]*maintItem, len(pl.missing))
	cert, bn, issuer := strings.Clone(c.ID), strings.Clone(c.EmployerBN), strings.Clone(c.Issuer)
	prog, basis := strings.Clone(pl.missing[0].Program), strings.Clone(pl.missing[0].Basis)
	for i, mi := range pl.missing {
		mi.Certificate, mi.EmployerBN, mi.Issuer, mi.Program, mi.Basis = cert, bn, issuer, prog, basis
		mi.Overdue = false
		out[i] = &mi
	}
	return out, nil
}
