package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// TestImportInterruptedSaysWhatFinishesIt (review s28-o, L1): an import
// the node's stopping interrupted (a transport error) has no problems to
// fix: the note says to run it again when the node answers; one refused
// for its problems says to fix them; an answer of the node, to correct
// what it says.
func TestImportInterruptedSaysWhatFinishesIt(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing answers there now: a node that stopped
	_, refused := http.Post("http://"+addr+"/v1/imports", "text/csv", strings.NewReader(""))
	if refused == nil {
		t.Fatal("a POST to a closed port succeeded")
	}
	written := []rowSpan{{From: 1, To: 10000}}
	tests := []struct {
		name, then, want string
	}{
		{"node stopped", rerunAfter(refused), "rows 1-10000 were written; nothing else was: when the node answers again, run the import again (it resumes"},
		{"problems", fixProblems, "rows 1-10000 were written; nothing else was: fix the problems and run the import again (it resumes"},
		{"node's answer", rerunAfter(errors.New("http://node/v1/imports: 401 Unauthorized: token expired")), "nothing else was: correct what the error says and run the import again"},
		{"interrupted here", rerunAfter(context.Canceled), "nothing else was: run the import again (it resumes"},
		{"disk full", rerunAfter(fmt.Errorf("import stopped after writing 2000 records: %w", syscall.ENOSPC)), "nothing else was: once the disk has room, run the import again"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := writtenNote(written, tc.then); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestImportStoppedSaysWhichRows: a part the node stopped (its disk full)
// wrote some of its rows: the note says so of that part, not "nothing
// else was written".
func TestImportStoppedSaysWhichRows(t *testing.T) {
	tests := []struct {
		spans []rowSpan
		want  string
	}{
		{[]rowSpan{{From: 1, To: 5000}, {From: 5001, To: 10000, Stopped: true}},
			"rows 1-5000 were written, and rows 5001-10000 in part, until the node stopped the import; nothing else was"},
		{[]rowSpan{{From: 1, To: 5000, Stopped: true}}, "rows 1-5000 were written in part, until the node stopped the import; nothing else was"},
		{spansOf([]rowSpan{{From: 5001, To: 10000, Stopped: true}, {From: 1, To: 5000}, {From: 10001, To: 15000}}),
			"rows 1-5000, 10001-15000 were written, and rows 5001-10000 in part"},
	}
	for _, tc := range tests {
		if got := writtenNote(tc.spans, "run it again"); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: got %q, want it to contain %q", tc.spans, got, tc.want)
		}
	}
}
