package node

import (
	"context"

	"github.com/corfed/corfed/registry"
)

// SetImportWindow sets how many rows Import queues at a time until the
// returned function restores it.
func SetImportWindow(rows int) (restore func()) {
	old := importWindowRows
	importWindowRows = rows
	return func() { importWindowRows = old }
}

// SetImportCheckParts has Import check a file in up to parts goroutines of
// at least rows rows each until the returned function restores it.
func SetImportCheckParts(rows, parts int) (restore func()) {
	oldRows, oldParts := checkPartRows, checkMaxParts
	checkPartRows, checkMaxParts = rows, parts
	return func() { checkPartRows, checkMaxParts = oldRows, oldParts }
}

// SetMaintenanceStep sets how many feed entries the maintenance list
// reads in one step until the returned function restores it.
func SetMaintenanceStep(entries int) (restore func()) {
	old := maintenanceStep
	maintenanceStep = entries
	return func() { maintenanceStep = old }
}

// HoldMaintenanceBuilds makes each batch of a maintenance list build wait
// for a value on the returned channel (closing it lets every batch go)
// until restore.
func HoldMaintenanceBuilds() (release chan struct{}, restore func()) {
	release = make(chan struct{})
	hold := func() { <-release }
	maintenanceBuildBatch.Store(&hold)
	return release, func() { maintenanceBuildBatch.Store(nil) }
}

// MaintenanceWork is what a node's maintenance list has read since it
// started: feed entries, certificates computed, and builds from every
// live certificate.
type MaintenanceWork struct{ Entries, Certificates, Builds int64 }

// MaintenanceWorkOf returns what n's maintenance list has read.
func MaintenanceWorkOf(n *Node) MaintenanceWork {
	w := &n.maintenance.work
	return MaintenanceWork{w.entries.Load(), w.certificates.Load(), w.builds.Load()}
}

// DropMaintenance forgets n's maintenance list (the next request on a
// node no worker keeps builds it again).
func DropMaintenance(n *Node) {
	m := &n.maintenance
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = nil
}

// MaintenanceWorkerDone is closed when n's maintenance worker
// (KeepMaintenanceList) has returned.
func MaintenanceWorkerDone(n *Node) <-chan struct{} {
	m := &n.maintenance
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done
}

// MaintenanceAt returns the feed size n's maintenance list reflects, and
// whether there is a list.
func MaintenanceAt(n *Node) (uint64, bool) {
	m := &n.maintenance
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.list == nil {
		return 0, false
	}
	return m.list.at, true
}

// StopWorkOrdersOf returns employer bn's stop-work orders as the review
// rule reads them.
func StopWorkOrdersOf(ctx context.Context, n *Node, bn string) (orders []registry.StopWorkOrder, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		orders, _, _, err = stopWorkOrders(tx.Log(SelfLog), bn, "", registry.Date{})
		return err
	})
	return orders, err
}

// SetMaintenanceState stores b as n's saved maintenance list state.
func SetMaintenanceState(n *Node, b []byte) error {
	return n.db.Update(context.Background(), func(tx registry.StoreWriteTx) error {
		return tx.Log(SelfLog).SetMeta(metaMaintState, b)
	})
}

// MaintenanceState returns n's saved maintenance list state, and the
// feed size it reflects (0 if none or it does not decode).
func MaintenanceState(n *Node) (b []byte, at uint64, err error) {
	err = n.db.View(context.Background(), func(tx registry.StoreTx) error {
		b, err = tx.Log(SelfLog).Meta(metaMaintState)
		return err
	})
	if s, derr := decodeMaintState(b); derr == nil {
		at = s.at
	}
	return b, at, err
}

// MaintenanceStateAt returns saved state b made to claim the feed size
// at.
func MaintenanceStateAt(b []byte, at uint64) ([]byte, error) {
	s, err := decodeMaintState(b)
	if err != nil {
		return nil, err
	}
	s.at = at
	return s.encode(), nil
}
