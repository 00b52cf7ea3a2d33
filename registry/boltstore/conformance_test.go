package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "corfed.db"), boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return db.Store()
	})
}
