package boltstore

import (
	"slices"
	"testing"
)

// BenchmarkMergePolicy plays the index's merge policy (mergeWindow,
// sealOps, mergeWork: the real ones) on sizes alone for a growth to a
// million entries of 7.2 index keys each, in transactions of 1,000
// entries, and reports the keys merges move per index key written: on
// average, and in the 100,000-entry window that moves the most and in the
// last. A merge's cost is about one bbolt Put per moved key, so this is
// the index's write amplification, and its lumps are what an ingest
// window's rate feels. Run with -benchtime 1x.
func BenchmarkMergePolicy(b *testing.B) {
	for b.Loop() {
		avg, most, last := playMergePolicy(1_000_000, 7.2, 1000, 100_000)
		b.ReportMetric(avg, "moves/key")
		b.ReportMetric(most, "most-moves/key-in-a-window")
		b.ReportMetric(last, "last-window-moves/key")
	}
}

// playMergePolicy grows an index by entries of keysPer keys in
// transactions of tx entries, seals and merges as afterIndexWrite does
// (one merge at a time, mergeWork keys moved per index write), and
// returns the keys moved per key written: overall, in the window of
// window entries that moved the most, and in the last window.
func playMergePolicy(entries int, keysPer float64, tx, window int) (avg, most, last float64) {
	var sealed []uint64 // the sealed runs' sizes, oldest first
	var l0 uint64
	var merging bool
	var mergeAt, left int // the merge under way: its first input, keys left to move
	moves := make([]float64, entries/window)
	for done := 0; done < entries; done += tx {
		n := int(float64(tx) * keysPer)
		if l0 += uint64(n); l0 >= uint64(sealOps) {
			sealed, l0 = append(sealed, l0), 0
		}
		for budget := n * mergeWork; budget > 0; {
			if !merging {
				if mergeAt = mergeWindow(sealed); mergeAt < 0 {
					break
				}
				merging, left = true, 0
				for _, x := range sealed[mergeAt : mergeAt+mergeFanIn] {
					left += int(x)
				}
			}
			k := min(budget, left)
			budget, left = budget-k, left-k
			moves[min(done/window, len(moves)-1)] += float64(k)
			if left == 0 {
				var sum uint64
				for _, x := range sealed[mergeAt : mergeAt+mergeFanIn] {
					sum += x
				}
				sealed = slices.Replace(sealed, mergeAt, mergeAt+mergeFanIn, sum)
				merging = false
			}
		}
	}
	perWindow := float64(window) * keysPer
	var total float64
	for _, m := range moves {
		total += m
		most = max(most, m/perWindow)
	}
	return total / (float64(entries) * keysPer), most, moves[len(moves)-1] / perWindow
}
