package node

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

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
// It is built on first use from every live certificate (the live index,
// read in batches of LifecycleBatch in one read transaction), then follows
// the feed: it reads the entries appended since, and computes again,
// alone, each certificate they may change: the certificate of a
// certificate entry; for an audit or an equivalency, the certificate it
// names and the employer's certificates (a certificate's basis audit may
// be recorded after it). A program definition can move the due dates of
// every certificate of the program: the list is built again, as it is
// when more than maintenanceTailMax entries were appended since.
//
// Whether a year is missing does not depend on the day (only whether it
// is overdue, set when a page is answered), so the list stays true from
// one day to the next without a write.
type maintenanceList struct {
	mu     sync.Mutex // held while the list is brought up to date and read
	built  bool
	at     uint64                    // the feed size the list reflects
	items  *btree.BTreeG[*maintItem] // by key
	byCert map[string][]*maintItem   // the items of each certificate listed
	perDay map[registry.Date]int     // how many items are due each day (a page's total)
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

// maintenanceTailMax is the most feed entries the list reads to follow
// the feed; past it the list is built again from the live index (a few
// live certificates instead of a large import's entries).
var maintenanceTailMax = 50_000

// current brings the list up to date with the node's feed. m.mu is held.
func (m *maintenanceList) current(ctx context.Context, n *Node) error {
	return n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		size := l.Size()
		if m.built && size == m.at {
			return nil
		}
		rebuild := !m.built || size < m.at || size-m.at > uint64(maintenanceTailMax)
		changed := map[string]bool{}
		for after := m.at; !rebuild && after < size; {
			es, err := l.Entries(after, registry.MaxScan)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return errors.New("maintenance list: the feed ended before its size")
			}
			for _, e := range es {
				after = e.Seq
				if rebuild, err = affected(l, e, changed); err != nil {
					return err
				}
				if rebuild {
					break
				}
			}
		}
		if rebuild {
			return m.build(l, size)
		}
		m.built = false // until every certificate changed is listed again
		for id := range changed {
			m.remove(id)
			e, err := l.Latest(registry.KindCertificate, id)
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			c, err := decode[registry.Certificate](e)
			if err != nil {
				return err
			}
			if registry.Terminal(c.Status) { // not live: liveKey
				continue
			}
			its, err := missingOf(l, c)
			if err != nil {
				return err
			}
			m.add(its)
		}
		m.at, m.built = size, true
		return nil
	})
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

// build makes the list again from every live certificate, as of feed
// size size.
func (m *maintenanceList) build(l registry.Log, size uint64) error {
	m.built = false
	m.items = btree.NewG(32, maintLess)
	m.byCert, m.perDay = map[string][]*maintItem{}, map[registry.Date]int{}
	after := registry.IndexHit{}
	for more := true; more; {
		var err error
		after, more, err = eachLive(l, after, func(c registry.Certificate) error {
			its, err := missingOf(l, c)
			m.add(its)
			return err
		})
		if err != nil {
			return err
		}
	}
	m.at, m.built = size, true
	return nil
}

// add lists a certificate's items (none, or all of one certificate).
func (m *maintenanceList) add(its []*maintItem) {
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
func (m *maintenanceList) remove(id string) {
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
func (m *maintenanceList) page(before registry.Date, after string, limit int) (items []*maintItem, more bool, total int, err error) {
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
