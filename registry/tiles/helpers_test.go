package tiles_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// grow adds employers to n until its feed holds size entries.
func grow(t testing.TB, n *nodetest.Node, size uint64) {
	t.Helper()
	ctx := context.Background()
	cur, err := n.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := cur; i < size; i++ {
		prefix := fmt.Sprintf("8%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("Tile Builders %d Ltd.", i)}, true); err != nil {
			t.Fatal(err)
		}
	}
}
