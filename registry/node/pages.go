package node

import (
	"cmp"
	"context"
	"fmt"

	"github.com/corfed/corfed/registry"
)

// Paged lists other than certificate search (removals, maintenance due,
// webhook deliveries) answer a page, the opaque cursor of the next one and
// a total, with the cursor scheme of search (search.go): base64url JSON
// with a checksum, naming the list (and its filters) it was made for and
// the position after the page's last item.

// MaxListLimit is the largest page of these lists; 0 or less means 100.
const MaxListLimit = 1000

func listLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return min(limit, MaxListLimit)
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Next is the cursor of the next page; empty on the last.
	Next string
	// Total counts the list's items on every page: exact when TotalExact,
	// else a lower bound (a count stopped at the count cap).
	Total      int
	TotalExact bool
}

// ListCursor is the cursor of list (its name and filters, e.g.
// "removals/proposed") that resumes after position key.
func ListCursor(list, key string) string {
	return cursor{F: list, I: key}.encode()
}

// ParseListCursor returns the position of a cursor ListCursor made for
// list; an empty cursor is the start (""). An altered cursor, or one of
// another list or other filters, wraps registry.ErrInvalid naming
// query.cursor.
func ParseListCursor(list, c string) (string, error) {
	if c == "" {
		return "", nil
	}
	cur, err := decodeAnyCursor(c)
	if err != nil {
		return "", err
	}
	if cur.F != list {
		return "", badCursor("the cursor belongs to another list or other filters; repeat its filters, or start again without a cursor")
	}
	return cur.I, nil
}

// RemovalsPage answers a page of the removal proposals with status, in id
// order, walking the removal index from the cursor; the total is a
// bounded count of the index (exact up to the count cap).
func (n *Node) RemovalsPage(ctx context.Context, status string, limit int, cur string) (Page[registry.Removal], error) {
	list := "removals/" + status
	after, err := ParseListCursor(list, cur)
	if err != nil {
		return Page[registry.Removal]{}, err
	}
	limit = listLimit(limit)
	out := Page[registry.Removal]{Items: []registry.Removal{}}
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		var werr error
		from := registry.IndexHit{Value: status}
		if after != "" {
			from.Ref = registry.RecordRef{Kind: registry.KindRemoval, ID: after}
		}
		err := l.Walk("removal", status, from, func(h registry.IndexHit) bool {
			if h.Value != status || h.Ref.Kind != registry.KindRemoval {
				return h.Value == status
			}
			if len(out.Items) == limit {
				out.Next = ListCursor(list, out.Items[limit-1].ID)
				return false
			}
			e, err := l.Latest(h.Ref.Kind, h.Ref.ID)
			if err != nil {
				werr = err
				return false
			}
			r, err := decode[registry.Removal](e)
			if err != nil {
				werr = err
				return false
			}
			out.Items = append(out.Items, r)
			return true
		})
		if err != nil || werr != nil {
			return cmp.Or(err, werr)
		}
		out.Total, out.TotalExact, err = countIndex(l, "removal", status, registry.KindRemoval, n.countCap())
		return err
	})
	return out, err
}

// countIndex counts the records of kind whose index key name has value,
// reading at most capN index entries: exact when it read them all.
func countIndex(l registry.Log, name, value string, kind registry.Kind, capN int) (int, bool, error) {
	count, read, exact := 0, 0, true
	err := l.Walk(name, value, registry.IndexHit{Value: value}, func(h registry.IndexHit) bool {
		if h.Value != value {
			return false
		}
		if read == capN {
			exact = false
			return false
		}
		read++
		if h.Ref.Kind == kind {
			count++
		}
		return true
	})
	return count, exact, err
}

// maintenanceKey orders maintenance items: due date, certificate, year.
func maintenanceKey(m MaintenanceItem) string {
	return fmt.Sprintf("%s/%s/%02d", m.DueOn, m.Certificate, m.Year)
}

// MaintenancePage answers a page of the maintenance audits due on or
// before a date, ordered by due date (then certificate and year), with
// their exact total. It reads the node's maintenance list
// (maintenance.go), brought up to date with the feed first: a page costs
// a binary search and the entries written since the last page (on a node
// a worker keeps, at most a step of them), not a read of every live
// certificate. While a worker builds the list, it answers an error that
// wraps registry.ErrUnavailable (*registry.UnavailableError).
func (n *Node) MaintenancePage(ctx context.Context, before registry.Date, limit int, cur string) (Page[MaintenanceItem], error) {
	list := "maintenance/" + before.String()
	after, err := ParseListCursor(list, cur)
	if err != nil {
		return Page[MaintenanceItem]{}, err
	}
	limit = listLimit(limit)
	today := n.Today()
	m := &n.maintenance
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.current(ctx, n)
	if err != nil {
		return Page[MaintenanceItem]{}, err
	}
	items, more, total, err := l.page(before, after, limit)
	if err != nil {
		return Page[MaintenanceItem]{}, err
	}
	out := Page[MaintenanceItem]{Items: make([]MaintenanceItem, 0, len(items)), Total: total, TotalExact: true}
	for _, it := range items {
		mi := *it
		mi.Overdue = today.After(mi.DueOn)
		out.Items = append(out.Items, mi)
	}
	if more {
		out.Next = ListCursor(list, maintenanceKey(*items[len(items)-1]))
	}
	return out, nil
}
