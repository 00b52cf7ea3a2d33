package openapi_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestAuditorSuspendedWhileTheAuditIsRecorded: an auditor's suspension
// written while a CP records audits by that auditor refuses every audit
// ordered after it in the feed: the standing is judged again where the
// write is ordered.
func TestAuditorSuspendedWhileTheAuditIsRecorded(t *testing.T) {
	for try := 0; try < 3; try++ {
		f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true, Rules: true})
		const n = 40
		type res struct {
			code int
			seq  uint64
		}
		out := make([]res, n)
		var discSeq uint64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				day := fmt.Sprintf("2026-09-%02d", 2+i%28)
				if i >= 28 {
					day = fmt.Sprintf("2026-10-%02d", 1+i-28)
				}
				code, _, b := f.do(t, "POST", "/v1/audits", "acsa", fill(abAudit, "812345676", day, day))
				var e struct{ Seq uint64 }
				_ = json.Unmarshal(b, &e)
				out[i] = res{code, e.Seq}
			}(i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code, _, b := f.do(t, "POST", "/v1/auditors/AUD-0001/discipline", "admin", `{"action":"suspend","reason":"falsified records","on":"2026-09-01"}`)
			if code != 200 && code != 201 {
				t.Errorf("discipline: %d %s", code, b)
				return
			}
			var e struct{ Seq uint64 }
			_ = json.Unmarshal(b, &e)
			discSeq = e.Seq
		}()
		close(start)
		wg.Wait()
		if discSeq == 0 {
			t.Fatal("no discipline seq")
		}
		late := 0
		for _, r := range out {
			if r.code == 201 && r.seq > discSeq {
				late++
			}
		}
		if late > 0 {
			t.Fatalf("try %d: %d audits by AUD-0001 (suspended from 2026-09-01, at seq %d) were recorded after the suspension", try, late, discSeq)
		}
	}
}
