package node

import (
	"slices"
	"testing"
)

// TestTakeBatchSizes checks the batch sizes the drain takes: bulkBatch
// while a bulk batch and a whole batch more are queued, else at most
// maxBatch.
func TestTakeBatchSizes(t *testing.T) {
	for _, c := range []struct {
		queued int
		want   []int
	}{
		{1, []int{1}},
		{64, []int{64}},
		{2 * maxBatch, []int{maxBatch, maxBatch}},
		{bulkBatch + maxBatch - 1, []int{maxBatch, maxBatch, maxBatch, maxBatch, maxBatch - 1}},
		{2*bulkBatch + maxBatch + 500, []int{bulkBatch, bulkBatch, maxBatch, 500}},
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
