package openapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestWriteOnAFullDisk (review s28-o, M1): a write whose commit fails for
// lack of space (ENOSPC, EDQUOT) stored nothing and may be sent again: it
// is a 503 problem with Retry-After saying the disk is full, in the
// language asked, not a 500; reads go on, and the node stays ready (a
// province's verification site keeps answering). Once the commit
// succeeds again, the same write is stored.
func TestWriteOnAFullDisk(t *testing.T) {
	st := memstore.New()
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Store: st})
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		st.SetFaults(memstore.Faults{Commit: func([]string) error { return fmt.Errorf("write corfed.db: %w", errno) }})
		for _, lang := range []string{"en", "fr"} {
			code, h, b := f.ask(t, "POST", "/v1/employers", "admin", "application/json", `{"bn":"`+newBN+`","legal_name":"Disk Full Ltd."}`, lang)
			var p struct {
				Errors []struct{ Message string }
			}
			_ = json.Unmarshal(b, &p)
			want := "disk is full"
			if lang == "fr" {
				want = "disque du nœud est plein"
			}
			if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
				t.Errorf("%v %s: %d Retry-After %q %s; want 503 with Retry-After saying %q", errno, lang, code, h.Get("Retry-After"), b, want)
			}
		}
		if code, _, b := f.do(t, "GET", "/v1/employers/"+newBN, "", ""); code != http.StatusNotFound {
			t.Errorf("%v: the refused write was stored: %d %s", errno, code, b)
		}
		if code, _, b := f.do(t, "GET", "/readyz", "", ""); code != http.StatusOK {
			t.Errorf("%v: GET /readyz %d %s; want ready (reads go on)", errno, code, b)
		}
	}
	st.SetFaults(memstore.Faults{})
	if code, _, b := f.do(t, "POST", "/v1/employers", "admin", `{"bn":"`+newBN+`","legal_name":"Disk Full Ltd."}`); code != http.StatusCreated {
		t.Errorf("after room was made: %d %s", code, b)
	}
}
