package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
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
	written := []rowSpan{{1, 10000, false}}
	tests := []struct {
		name, then, want string
	}{
		{"node stopped", rerunAfter(refused), "rows 1-10000 were written; nothing else was: when the node answers again, run the import again (it resumes"},
		{"problems", fixProblems, "rows 1-10000 were written; nothing else was: fix the problems and run the import again (it resumes"},
		{"node's answer", rerunAfter(errors.New("http://node/v1/imports: 401 Unauthorized: token expired")), "nothing else was: correct what the error says and run the import again"},
		{"interrupted here", rerunAfter(context.Canceled), "nothing else was: run the import again (it resumes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := writtenNote(written, tc.then); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
