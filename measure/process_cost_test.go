package measure

import (
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
)

// Review s27-s (finding 5): ComputeProcess scans every audit for every review with a
// required action (actionDoneOn(rv, p.Audits)): its cost is reviews x
// audits, and GET /v1/metrics/process (public, any from/to, each new
// period a new computation) pays it per request. Run:
//
//	go test ./measure -run '^$' -bench ProcessCost -benchtime 3x
func BenchmarkProcessCost(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var in ProcessInput
			in.From, in.To = d("2024-01-01"), d("2024-12-31")
			for i := range n {
				id := fmt.Sprintf("C-%d", i)
				c := cert(id, bn(i), registry.ProgramCOR, "ACSA", "2023-01-01")
				in.Certificates = append(in.Certificates, recorded(c, d("2023-01-05")))
				in.Audits = append(in.Audits, AuditFacts{ID: fmt.Sprintf("A-%d", i), CP: "ACSA", Certificate: id, Type: registry.AuditActionPlan,
					OnsiteEnd: d("2024-05-01"), SubmittedOn: d("2024-05-10"), Passed: true})
				in.Reviews = append(in.Reviews, ReviewFacts{ID: fmt.Sprintf("R-%d", i), Certificate: id, OpenedOn: d("2024-03-01"),
					RequiredAction: registry.RequiredActionPlan, ActionFrom: d("2024-03-01"), DueOn: d("2024-06-01")})
			}
			b.ResetTimer()
			for range b.N {
				ComputeProcess(in)
			}
		})
	}
}
