package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/corfed/corfed/registry"
)

// The maintenance list's saved state.
//
// A served node's worker (KeepMaintenanceList) saves the list in the
// store's meta after its first build, then when it has changed and
// maintSaveEvery has passed (or maintSaveEntries entries were read and a
// minute has passed), and as it stops. A restart reads the state and follows the feed
// from the size it reflects, as the worker does after each commit,
// instead of computing every live certificate again: the list answers
// as soon as it has read the entries appended since the save. The state
// lives beside the entries it was computed from: a store copied,
// restored or rebuilt by reindex carries its own. One that cannot be
// used (another version of the encoding, a feed shorter than its size,
// bytes that do not decode) is ignored, and the list built.

// metaMaintState is the meta key of the saved state.
const metaMaintState = "maintenance/state"

// maintStateMagic begins an encoded state. Bump its version when what
// the list holds, or how missingOf computes it, changes: a state saved
// by an older build is then built again rather than trusted.
const maintStateMagic = "corfed maintenance list 1\n"

// When the worker saves the list again (it has changed since the last
// save): maintSaveEvery after it, or maintSaveEntries entries later and
// at least a minute after it.
var (
	maintSaveEvery   = 10 * time.Minute
	maintSaveEntries = uint64(100_000)
)

// saveDue reports whether the worker should save s now. Only the worker
// reads and sets m.saved.
func (m *maintenanceList) saveDue(s *maintState) bool {
	if s.at == m.saved.at {
		return false
	}
	since := time.Since(m.saved.when)
	return since >= maintSaveEvery || s.at-m.saved.at >= maintSaveEntries && since >= time.Minute
}

// snapshot returns what encode needs of s, which s can go on changing
// beside: its size and a lazy copy of its items. m.mu is held.
func (s *maintState) snapshot() *maintState {
	return &maintState{at: s.at, items: s.items.Clone()}
}

// save stores snap (a snapshot) as the list's state. Only the worker
// calls it.
func (m *maintenanceList) save(ctx context.Context, n *Node, snap *maintState) error {
	b := snap.encode()
	err := n.db.Update(ctx, func(tx registry.StoreWriteTx) error {
		return tx.Log(SelfLog).SetMeta(metaMaintState, b)
	})
	if err != nil {
		return fmt.Errorf("saving its state: %w", err)
	}
	m.saved.at, m.saved.when = snap.at, time.Now()
	return nil
}

// saveAtStop saves the list if it changed since its last save (the
// worker, as it returns).
func (m *maintenanceList) saveAtStop(ctx context.Context, n *Node) error {
	m.mu.Lock()
	var snap *maintState
	if s := m.list; s != nil && s.at != m.saved.at {
		snap = s.snapshot()
	}
	m.mu.Unlock()
	if snap == nil {
		return nil
	}
	return m.save(ctx, n, snap)
}

// restore returns the list last saved, if it can be used: nil if there
// is none, or it is of another version, does not decode, or reflects
// more entries than the feed holds. The caller follows the feed from its
// size.
func (m *maintenanceList) restore(ctx context.Context, n *Node) *maintState {
	var s *maintState
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		b, err := l.Meta(metaMaintState)
		if err != nil || b == nil {
			return err
		}
		if s, err = decodeMaintState(b); err != nil {
			s = nil
			return nil
		}
		if s.at > l.Size() {
			s = nil
		}
		return nil
	})
	if err != nil || s == nil {
		return nil
	}
	m.saved.at, m.saved.when = s.at, time.Now()
	return s
}

// encode returns s as bytes: maintStateMagic, the size, the number of
// items, then each item in the list's order: its certificate and
// business number, its issuer, program and basis (each a reference to
// an earlier one, or new: few distinct), its year and its three dates
// (as text).
func (s *maintState) encode() []byte {
	b := make([]byte, 0, 64+s.items.Len()*48)
	b = append(b, maintStateMagic...)
	b = binary.AppendUvarint(b, s.at)
	b = binary.AppendUvarint(b, uint64(s.items.Len()))
	table := map[string]uint64{}
	ref := func(v string) {
		if k, ok := table[v]; ok {
			b = binary.AppendUvarint(b, k)
			return
		}
		table[v] = uint64(len(table) + 1)
		b = binary.AppendUvarint(b, 0)
		b = appendString(b, v)
	}
	s.items.Ascend(func(it *maintItem) bool {
		b = appendString(b, it.Certificate)
		b = appendString(b, it.EmployerBN)
		ref(it.Issuer)
		ref(it.Program)
		ref(it.Basis)
		b = binary.AppendUvarint(b, uint64(it.Year))
		b = appendDate(b, it.WindowFrom)
		b = appendDate(b, it.DueOn)
		b = appendDate(b, it.ReportBy)
		return true
	})
	return b
}

func appendString(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendDate appends d as its text ("" for the zero date), which
// registry.ParseDate reads back, as the status list's state does.
func appendDate(b []byte, d registry.Date) []byte { return appendString(b, d.String()) }

var errMaintState = errors.New("maintenance list state: not one this build wrote")

// decodeMaintState reads what encode wrote. Anything else is an error,
// never a panic: the items must come in the list's order, each once, a
// certificate's items share its business number, issuer, program and
// basis, and every date is a calendar date; so a state decoded encodes
// to the same bytes.
func decodeMaintState(b []byte) (*maintState, error) {
	d := maintDecoder{b: b}
	if len(b) < len(maintStateMagic) || string(b[:len(maintStateMagic)]) != maintStateMagic {
		return nil, errMaintState
	}
	d.b = b[len(maintStateMagic):]
	s := newMaintState()
	s.at = d.uvarint()
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b))/8 { // an item takes 8 bytes at least
		return nil, errMaintState
	}
	var table []string
	known := map[string]bool{}
	ref := func() string {
		k := d.uvarint()
		switch {
		case d.err != nil:
			return ""
		case k == 0:
			v := d.string()
			if known[v] { // encode refers to a string it has written
				d.err = errMaintState
			}
			known[v] = true
			table = append(table, v)
			return v
		case k <= uint64(len(table)):
			return table[k-1]
		}
		d.err = errMaintState
		return ""
	}
	its := make([]maintItem, n)
	for i := range its {
		it := &its[i]
		it.Certificate, it.EmployerBN = d.string(), d.string()
		it.Issuer, it.Program, it.Basis = ref(), ref(), ref()
		y := d.uvarint()
		it.WindowFrom, it.DueOn, it.ReportBy = d.date(), d.date(), d.date()
		if d.err != nil || y == 0 || y > 100 || it.Certificate == "" || it.DueOn.IsZero() {
			return nil, errMaintState
		}
		it.Year = int(y)
		if i > 0 && !maintLess(&its[i-1], it) { // in the list's order, each once
			return nil, errMaintState
		}
		prev, ok := s.byCert[it.Certificate]
		if !ok {
			s.byCert[it.Certificate] = []*maintItem{it}
			continue
		}
		// One certificate's items share their strings, as missingOf
		// makes them.
		p := prev[0]
		if p.EmployerBN != it.EmployerBN || p.Issuer != it.Issuer || p.Program != it.Program || p.Basis != it.Basis {
			return nil, errMaintState
		}
		it.Certificate, it.EmployerBN, it.Issuer, it.Program, it.Basis = p.Certificate, p.EmployerBN, p.Issuer, p.Program, p.Basis
		s.byCert[it.Certificate] = append(prev, it)
	}
	if len(d.b) != 0 {
		return nil, errMaintState
	}
	for i := range its {
		s.items.ReplaceOrInsert(&its[i])
		s.perDay[its[i].DueOn]++
	}
	return s, nil
}

// maintDecoder reads an encoded state; its first error sticks.
type maintDecoder struct {
	b   []byte
	err error
}

func (d *maintDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 || k > 1 && d.b[k-1] == 0 { // none, or longer than encode writes it
		d.err = errMaintState
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *maintDecoder) string() string {
	k := d.uvarint()
	if d.err != nil || k > uint64(len(d.b)) {
		d.err = errMaintState
		return ""
	}
	v := string(d.b[:k])
	d.b = d.b[k:]
	return v
}

func (d *maintDecoder) date() registry.Date {
	v := d.string()
	if d.err != nil || v == "" {
		return registry.Date{}
	}
	t, err := registry.ParseDate(v)
	if err != nil {
		d.err = errMaintState
	}
	return t
}
