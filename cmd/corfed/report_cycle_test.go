package main

import (
	"testing"

	"github.com/corfed/corfed/measure"
)

// TestReportCycleShowsTheBacklogAtTheEnd: the report's review column
// counts what is open at the period's end, whenever it started (a review
// opened before the period and still open is backlog), not only what
// opened in the period.
func TestReportCycleShowsTheBacklogAtTheEnd(t *testing.T) {
	median := 12.0
	for _, tc := range []struct {
		name     string
		c        measure.Cycle
		deadline bool
		want     string
	}{
		{"none", measure.Cycle{}, false, "-"},
		{"backlog from before the period only", measure.Cycle{Open: 0, OpenAtEnd: 3}, false, "- (3 open)"},
		{"median and backlog", measure.Cycle{Count: 4, MedianDays: &median, Open: 1, OpenAtEnd: 5}, false, "median 12 (5 open)"},
		{"deadline: on time and late", measure.Cycle{Count: 4, MedianDays: &median, OnTime: 3, Late: 1, OpenAtEnd: 2}, true, "median 12 (3/1)"},
		{"deadline: late with no duration", measure.Cycle{Late: 2}, true, "- (0/2)"},
	} {
		if got := cycle(tc.c, tc.deadline); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
