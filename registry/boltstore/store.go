package boltstore

import (
	"context"

	"github.com/corfed/corfed/registry"
)

// Store returns db as a registry.Store, the contract a node runs over.
func (db *DB) Store() registry.Store { return store{db} }

type store struct{ db *DB }

type readTx struct{ tx *Tx }

func (t readTx) Log(name string) registry.Log { return t.tx.readLog(name) }

type writeTx struct{ tx *Tx }

func (t writeTx) Log(name string) registry.LogWriter { return t.tx.Log(name) }

func (s store) View(ctx context.Context, fn func(registry.StoreTx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(readTx{tx}) })
}

func (s store) Update(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(writeTx{tx}) })
}

func (s store) UpdateAlone(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	return s.db.UpdateAlone(ctx, func(tx *Tx) error { return fn(writeTx{tx}) })
}

func (s store) Close() error { return s.db.Close() }

func (s store) Failed() error { return s.db.Failed() }

// PrepareAppend is PrepareAppend (registry.PreparingStore).
func (s store) PrepareAppend(e registry.Entry, keys []registry.IndexKey) registry.PreparedAppend {
	return PrepareAppend(e, keys)
}

var _ registry.PreparingStore = store{}

// LogVersion is DB.LogVersion.
func (s store) LogVersion(name string) uint64 { return s.db.LogVersion(name) }
