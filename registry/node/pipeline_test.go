package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/memstore"
)

// TestTakeBatchSizes checks the batch sizes the drain takes: at most
// maxBatch, however many are queued.
func TestTakeBatchSizes(t *testing.T) {
	for _, c := range []struct {
		queued int
		want   []int
	}{
		{1, []int{1}},
		{64, []int{64}},
		{2 * maxBatch, []int{maxBatch, maxBatch}},
		{5*maxBatch - 1, []int{maxBatch, maxBatch, maxBatch, maxBatch, maxBatch - 1}},
		{9*maxBatch + 500, []int{maxBatch, maxBatch, maxBatch, maxBatch, maxBatch, maxBatch, maxBatch, maxBatch, maxBatch, 500}},
	} {
		var cm committer
		for range c.queued {
			cm.queue = append(cm.queue, &write{})
		}
		var got []int
		for {
			b := cm.take(true)
			if b == nil {
				break
			}
			for _, w := range b {
				if !w.taken {
					t.Fatalf("%d queued: a write of a batch is not marked taken", c.queued)
				}
			}
			got = append(got, len(b))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%d queued: batches %v, want %v", c.queued, got, c.want)
		}
		if cm.running || len(cm.queue) != 0 {
			t.Errorf("%d queued: after the last batch, running %v and %d queued", c.queued, cm.running, len(cm.queue))
		}
	}
}

// TestImportBulkFailedCommit: the first whole batch of an import fails to
// commit (a failed fsync). Nothing of it is kept; its writes run again,
// and every row is written exactly once.
func TestImportBulkFailedCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,600 rows")
	}
	n, st := newMemNode(t)
	var failed atomic.Bool
	var appended atomic.Int64 // in the transaction committing
	st.SetFaults(memstore.Faults{
		Append: func(string, registry.Entry) error { appended.Add(1); return nil },
		Commit: func(logs []string) error {
			if appended.Swap(0) >= maxBatch && failed.CompareAndSwap(false, true) {
				return errors.New("fsync failed")
			}
			return nil
		},
	})
	ctx := context.Background()
	_, before, err := n.Feed(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	const count = 2600 // 5,200 writes: five whole batches, then 200
	rows := make([]ImportRow, count)
	for i := range rows {
		p := fmt.Sprintf("4%07d", i)
		c, _ := registry.BNCheckDigit(p)
		rows[i] = ImportRow{Row: i + 1, EmployerBN: p + string(c), LegalName: fmt.Sprintf("Bulk %d Ltd.", i), CP: "ACSA",
			Number: fmt.Sprintf("BULK-%d", i), Program: registry.ProgramCOR, IssuedOn: registry.NewDate(2026, 1, 5),
			TermMonths: 36, Status: registry.StatusActive, Has: map[string]bool{}}
	}
	rep, err := n.Import(ctx, testAdmin, rows, nil, ImportOptions{})
	if err != nil || len(rep.Problems) > 0 || rep.Employers.Created != count || rep.Certificates.Created != count {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if !failed.Load() {
		t.Fatal("no whole batch failed to commit: the fault was not exercised")
	}
	seen := map[string]bool{}
	after := before
	for {
		es, _, err := n.Feed(ctx, after, registry.MaxScan)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Seq != after+1 {
				t.Fatalf("seq %d after %d", e.Seq, after)
			}
			k := string(e.Kind) + "/" + e.ID
			if seen[k] {
				t.Fatalf("%s stored twice", k)
			}
			seen[k] = true
			after = e.Seq
		}
	}
	if got := after - before; got != 2*count {
		t.Errorf("the feed grew by %d entries, want %d", got, 2*count)
	}
}

// TestSignJobs: a signing worker's batch, jobs of several signers in
// runs, gets for each job the JWS its own signer's Sign gives (EdDSA is
// deterministic; ES256 is checked by verifying), and a signer that cannot
// sign fails its own jobs only.
func TestSignJobs(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k1, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := jose.GenerateKey(jose.ES256, now)
	if err != nil {
		t.Fatal(err)
	}
	broken := &jose.Key{KID: "no-private-key", Alg: jose.EdDSA}
	signers := []*jose.Key{k1, k1, k2, k1, k1, k1, ec, ec, broken, broken, k2, k2}
	var wg sync.WaitGroup
	jobs := make([]*signJob, len(signers))
	for i, k := range signers {
		jobs[i] = &signJob{signer: k, payload: fmt.Appendf(nil, `{"n":%d}`, i%5), wg: &wg}
		wg.Add(1)
	}
	signJobs(jobs)
	wg.Wait()
	set := jose.NewKeySet(k1.Public(), k2.Public(), ec.Public())
	for i, j := range jobs {
		if j.signer == broken {
			if j.err == nil || j.jws != "" {
				t.Errorf("job %d: a key without private material signed: %q, %v", i, j.jws, j.err)
			}
			continue
		}
		if j.err != nil {
			t.Errorf("job %d: %v", i, j.err)
			continue
		}
		v, err := set.Verify([]byte(j.jws))
		if err != nil || string(v.Payload) != string(j.payload) || v.KID != j.signer.KID {
			t.Errorf("job %d: %v, payload %q, kid %q (want %q)", i, err, v.Payload, v.KID, j.signer.KID)
		}
		if j.signer.Alg == jose.EdDSA {
			if want, _ := j.signer.Sign(j.payload, EntryType); j.jws != want {
				t.Errorf("job %d: %q, Sign gives %q", i, j.jws, want)
			}
		}
	}
}
