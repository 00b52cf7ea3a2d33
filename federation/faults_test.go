package federation_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReplicaWriteFaults runs AB over an in-memory store that fails as a
// disk would, and checks that a sync never leaves half a page behind: a
// failed commit keeps nothing of the page, a batch torn part way (an
// append that fails after others in the same transaction) keeps nothing
// of it either, the sync reports the failure, and the next sync, with the
// store healthy again, stores the whole feed.
func TestReplicaWriteFaults(t *testing.T) {
	diskFull := errors.New("disk full")
	for _, tc := range []struct {
		name   string
		faults func(fail *atomic.Bool) memstore.Faults
	}{
		{"failed commit", func(fail *atomic.Bool) memstore.Faults {
			return memstore.Faults{Commit: func(logs []string) error {
				if slices.Contains(logs, federation.ReplicaLog("CA-BC")) && fail.Load() {
					return diskFull
				}
				return nil
			}}
		}},
		{"torn batch", func(fail *atomic.Bool) memstore.Faults {
			return memstore.Faults{Append: func(log string, e registry.Entry) error {
				if log == federation.ReplicaLog("CA-BC") && e.Seq == 3 && fail.Load() {
					return diskFull
				}
				return nil
			}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			var fail atomic.Bool
			fail.Store(true)
			st.SetFaults(tc.faults(&fail))
			c := newSyncClusterWith(t, federation.Config{}, map[registry.Jurisdiction]nodetest.Options{"CA-AB": {Store: st}}, "CA-AB", "CA-BC")
			ab, bc := c.members["CA-AB"], c.members["CA-BC"]
			want := feedOf(t, bc.n.Node)
			if len(want) < 3 {
				t.Fatalf("BC's feed has %d entries; the test needs at least 3", len(want))
			}
			s, err := ab.fed.Sync(t.Context(), "CA-BC")
			if !errors.Is(err, diskFull) {
				t.Fatalf("sync with a failing store: got %v, want the store's error", err)
			}
			if got := replicaOf(t, ab.n.Node, "CA-BC"); len(got) != 0 || s.Seq != 0 {
				t.Fatalf("after a failed page: replica holds %d entries (status seq %d), want 0: a page is stored whole or not at all", len(got), s.Seq)
			}
			fail.Store(false)
			s, err = ab.fed.Sync(t.Context(), "CA-BC")
			if err != nil || s.State != federation.StateSynced {
				t.Fatalf("sync with the store healthy: got %v, state %q", err, s.State)
			}
			got := replicaOf(t, ab.n.Node, "CA-BC")
			if len(got) != len(want) {
				t.Fatalf("replica: got %d entries, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].JWS != want[i].JWS || got[i].Seq != want[i].Seq {
					t.Errorf("replica entry %d: got seq %d, want BC's seq %d as signed", i, got[i].Seq, want[i].Seq)
				}
			}
		})
	}
}
