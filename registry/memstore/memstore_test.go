package memstore_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) registry.Store { return memstore.New() })
}

func TestConformanceFailStop(t *testing.T) {
	storetest.RunFailStop(t, func(*testing.T) registry.Store { return memstore.New() }, func(_ *testing.T, s registry.Store) {
		var once atomic.Bool
		s.(*memstore.Store).SetFaults(memstore.Faults{AfterCommit: func([]string) error {
			if once.CompareAndSwap(false, true) {
				return errors.New("fdatasync: input/output error")
			}
			return nil
		}})
	})
}
