package tiles_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestResumeChecksTheStoresCheckpoint: Resume, which serve calls before
// it listens, accepts a destination that is empty or holds this log's
// checkpoint at a size it has, and refuses, naming both sizes and what to
// do, one whose checkpoint is larger than the log (its store restored from
// a copy older than what it published: new entries would sign a second
// tree of that size under the same key) or has another root at that size
// (a fork); Run then writes nothing over it.
func TestResumeChecksTheStoresCheckpoint(t *testing.T) {
	ctx := context.Background()
	// One history, published at 6; a copy of its store from size 3.
	dataA, backup := t.TempDir(), t.TempDir()
	a := nodetest.New(t, "CA-AB", nodetest.Options{Dir: dataA})
	grow(t, a, 3)
	a.Close()
	for _, f := range []string{"corfed.db", "keys.json"} {
		b, err := os.ReadFile(filepath.Join(dataA, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(backup, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a = nodetest.New(t, "CA-AB", nodetest.Options{Dir: dataA})
	grow(t, a, 6)
	published := t.TempDir()
	pa, _ := newPublisher(t, a, published)
	var n uint64
	if err := pa.Publish(ctx, &n); err != nil || n != 6 {
		t.Fatalf("publish: %d %v", n, err)
	}
	a.Close()

	for _, tc := range []struct {
		name string
		// extra writes to the log that resumes, a copy of the backup.
		extra func(t *testing.T, n *nodetest.Node)
		dest  string
		size  uint64
		err   error
		says  []string
	}{
		{"an empty destination", nil, "", 0, nil, nil},
		{"the log restored from the older copy", nil, published, 0, registry.ErrConflict,
			[]string{"size 6", "has 3 entries", "restore a copy of the store that holds at least 6 entries", "corfed restore --data DIR --from "}},
		{"the restored log after other writes: a fork", func(t *testing.T, n *nodetest.Node) {
			for i := range 3 {
				if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(i), LegalName: fmt.Sprintf("Other History %d Ltd.", i)}, true); err != nil {
					t.Fatal(err)
				}
			}
		}, published, 0, registry.ErrConflict, []string{"size 6 with root", "forked", "restore the store"}},
		{"the restored log after the same writes", func(t *testing.T, n *nodetest.Node) { grow(t, n, 7) }, published, 6, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			for _, f := range []string{"corfed.db", "keys.json"} {
				b, err := os.ReadFile(filepath.Join(backup, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(data, f), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			n := nodetest.New(t, "CA-AB", nodetest.Options{Dir: data})
			if tc.extra != nil {
				tc.extra(t, n)
			}
			dest := tc.dest
			if dest == "" {
				dest = t.TempDir()
			} else {
				// Each case gets its own copy of the published tiles.
				dest = t.TempDir()
				if err := os.CopyFS(dest, os.DirFS(published)); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := os.ReadFile(filepath.Join(dest, "checkpoint"))
			p, _ := newPublisher(t, n, dest)
			size, err := p.Resume(ctx)
			if tc.err == nil {
				if err != nil || size != tc.size {
					t.Fatalf("Resume: %d %v, want %d", size, err, tc.size)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("Resume: %v, want %v", err, tc.err)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Resume's error does not say %q: %v", s, err)
				}
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := p.Run(ctx); !errors.Is(err, tc.err) {
				t.Errorf("Run after the refusal: %v", err)
			}
			if st := p.Status(); !st.Stopped || !errors.Is(st.Err, tc.err) {
				t.Errorf("Status after Run refused: %+v, want stopped", st)
			}
			after, _ := os.ReadFile(filepath.Join(dest, "checkpoint"))
			if string(after) != string(before) {
				t.Error("the destination's checkpoint was written over")
			}
		})
	}
}
