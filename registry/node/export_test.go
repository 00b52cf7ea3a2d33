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

// SetMaintenanceTailMax sets how many feed entries the maintenance list
// reads to follow the feed (past it, it is built again) until the
// returned function restores it.
func SetMaintenanceTailMax(entries int) (restore func()) {
	old := maintenanceTailMax
	maintenanceTailMax = entries
	return func() { maintenanceTailMax = old }
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
