package node_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// A served node's maintenance list survives a restart: the worker saves
// it after its first build and as it stops, and the node started again reads the saved
// state and follows the feed from its size (the entries written since,
// the certificates they change), builds nothing, and lists what each
// certificate's program view says. A state it cannot use (bytes of
// another build, a size beyond the feed's) is built again instead.
func TestMaintenanceListRestoredAfterRestart(t *testing.T) {
	defer func(old int) { node.LifecycleBatch = old }(node.LifecycleBatch)
	node.LifecycleBatch = 25
	dir := t.TempDir()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true, Dir: dir})
	c := importOnSeed(t, n, 120)
	far := registry.MustDate("2035-12-31")

	ctx, cancel := context.WithCancel(context.Background())
	n.KeepMaintenanceList(ctx, func(err error) { t.Errorf("worker: %v", err) })
	waitMaintenance(t, n)
	waitSaved(t, n) // after the first build
	// Followed by the worker, and saved as it stops (the periodic save
	// is minutes away).
	for i := 3; i < 5; i++ {
		if _, err := n.ChangeStatus(context.Background(), nodetest.Admin(), registry.CertificateID(c.Issuer, fmt.Sprintf("MK-%04d", i)),
			node.StatusRequest{Action: "suspend", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	waitMaintenance(t, n)
	cancel()
	<-node.MaintenanceWorkerDone(n.Node)
	_, savedAt, err := node.MaintenanceState(n.Node)
	if size, _ := n.Size(context.Background()); err != nil || savedAt != size {
		t.Fatalf("as the worker stopped it saved the list at %d entries (%v); want the feed's %d", savedAt, err, size)
	}
	// Written while no worker follows the feed: what the restart reads.
	for i := range 3 {
		if _, err := n.ChangeStatus(context.Background(), nodetest.Admin(), registry.CertificateID(c.Issuer, fmt.Sprintf("MK-%04d", i)),
			node.StatusRequest{Action: "suspend", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	written, _ := n.Size(context.Background())
	saved, _, _ := node.MaintenanceState(n.Node)

	restart := func(step string, state []byte) (*nodetest.Node, node.MaintenanceWork) {
		t.Helper()
		if err := node.SetMaintenanceState(n.Node, state); err != nil {
			t.Fatal(err)
		}
		n.DB.Close()
		n = nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir})
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		n.KeepMaintenanceList(ctx, func(err error) { t.Errorf("%s: worker: %v", step, err) })
		waitMaintenance(t, n)
		waitSaved(t, n)
		for _, before := range []registry.Date{far, n.Today()} {
			if want, got := wantMaintenance(t, n, before), gotMaintenance(t, n, before); !slices.Equal(got, want) {
				t.Fatalf("%s, due on or before %s: list\n%s\nwant\n%s", step, before, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		w := node.MaintenanceWorkOf(n.Node)
		cancel()
		<-node.MaintenanceWorkerDone(n.Node)
		return n, w
	}

	_, w := restart("restored", saved)
	if want := (node.MaintenanceWork{Entries: int64(written - savedAt), Certificates: 3}); w != want {
		t.Errorf("restored: the list read %+v; want the %d entries written since the save and their 3 certificates, no build", w, written-savedAt)
	}

	ahead, err := node.MaintenanceStateAt(saved, written+1)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		name  string
		state []byte
	}{
		{"another build's state", append([]byte("corfed maintenance list 0\n"), saved[len("corfed maintenance list 1\n"):]...)},
		{"a state cut short", saved[:len(saved)-1]},
		{"a state ahead of the feed", ahead},
	} {
		if _, w := restart(bad.name, bad.state); w.Builds != 1 {
			t.Errorf("%s: %d builds; want the list built again", bad.name, w.Builds)
		}
	}
}

// waitSaved waits until the worker has saved a state that reflects the
// whole feed, and returns its size.
func waitSaved(t *testing.T, n *nodetest.Node) uint64 {
	t.Helper()
	size, err := n.Size(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, at, err := node.MaintenanceState(n.Node)
		if err != nil {
			t.Fatal(err)
		}
		if at == size {
			return at
		}
		time.Sleep(time.Millisecond) // the worker's save; go test's -timeout bounds the wait
	}
}
