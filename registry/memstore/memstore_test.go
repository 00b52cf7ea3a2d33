package memstore_test

import (
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) registry.Store { return memstore.New() })
}
