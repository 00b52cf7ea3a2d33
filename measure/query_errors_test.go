package measure_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/measure"
)

// TestQueryValidateReportsEveryProblem: a query's problems are reported
// at once, in one error.
func TestQueryValidateReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		q    measure.Query
		want []string // in the error, in this order
	}{
		{"dimensions", measure.Query{GroupBy: []string{"colour", "year", "year"}},
			[]string{`unknown dimension "colour"`, `dimension "year" given twice`}},
		{"dimension, minimum and alpha", measure.Query{GroupBy: []string{"cp", "shape"}, Minimum: measure.Minimum{Employers: -1}, Alpha: 1},
			[]string{`unknown dimension "shape"`, "the minimum cannot be negative", "alpha must be in (0, 1)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			msg, at := err.Error(), 0
			for _, w := range tc.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("%q does not say %q (after byte %d)", msg, w, at)
				}
				at += i + len(w)
			}
		})
	}
}
