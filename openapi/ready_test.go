package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReadyAfterFailStop: once a commit failed after its transaction
// became visible (bbolt: the fsync of the meta page failed), the store
// refuses every write with 503 until the node restarts (README,
// "Fail-stop"), though reads still answer. /readyz then answers 503 with
// the store failing and why, in English and French, so that an
// orchestrator takes the node out of rotation and restarts it.
func TestReadyAfterFailStop(t *testing.T) {
	st := memstore.New()
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Store: st})
	if code, _, b := f.do(t, "GET", "/readyz", "", ""); code != http.StatusOK {
		t.Fatalf("GET /readyz before: %d %s", code, b)
	}
	var failed atomic.Bool
	st.SetFaults(memstore.Faults{AfterCommit: func([]string) error {
		if failed.CompareAndSwap(false, true) {
			return errors.New("fdatasync: input/output error")
		}
		return nil
	}})
	f.do(t, "POST", "/v1/employers", "admin", `{"bn":"123456782","legal_name":"Fail Stop Ltd."}`)
	code, _, b := f.do(t, "POST", "/v1/employers", "admin", `{"bn":"600000012","legal_name":"After Ltd."}`)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("a write after the fail-stop: %d %s, want 503", code, b)
	}
	code, _, b = f.do(t, "GET", "/readyz", "", "")
	var r openapi.Readiness
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if code != http.StatusServiceUnavailable || r.Status != "not ready" || r.Checks["store"] != "failing" ||
		!strings.Contains(r.Reasons["store"], "restart") || !strings.Contains(r.ReasonsFR["store"], "redémarr") {
		t.Errorf("GET /readyz while the store refuses every write: %d %s, want 503 with the store failing and why (en, fr)", code, b)
	}
	if strings.Contains(string(b), "fdatasync") {
		t.Errorf("GET /readyz shows the store's error, which is for the log: %s", b)
	}
}

// TestReadyReasons: a failing check of Config.Ready answers 503 with its
// reason in both languages when it gives one (openapi.NotReady), a
// generic one otherwise (its error's text goes to the node's log only),
// and the passing checks ok.
func TestReadyReasons(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	for _, tc := range []struct {
		name     string
		err      error
		code     int
		reason   string
		reasonFR string
	}{
		{"passing", nil, http.StatusOK, "", ""},
		{"a reason", &openapi.NotReady{Reason: "tiles are not published", ReasonFR: "les tuiles ne sont pas publiées", Err: errors.New("/srv/tiles: permission denied")},
			http.StatusServiceUnavailable, "tiles are not published", "les tuiles ne sont pas publiées"},
		{"no reason", errors.New("/srv/secret: permission denied"), http.StatusServiceUnavailable, "log", "journal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node,
				Ready: []openapi.ReadyCheck{{Name: "extra", Check: func(context.Context) error { return tc.err }}}}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r openapi.Readiness
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if resp.StatusCode != tc.code || r.Checks["store"] != "ok" || r.Checks["keys"] != "ok" {
				t.Fatalf("%d %s, want %d with store and keys ok", resp.StatusCode, b, tc.code)
			}
			if tc.err == nil {
				if r.Checks["extra"] != "ok" || len(r.Reasons) != 0 || len(r.ReasonsFR) != 0 {
					t.Errorf("a passing check: %s", b)
				}
				return
			}
			if r.Checks["extra"] != "failing" || !strings.Contains(r.Reasons["extra"], tc.reason) || !strings.Contains(r.ReasonsFR["extra"], tc.reasonFR) {
				t.Errorf("%s, want extra failing because %q / %q", b, tc.reason, tc.reasonFR)
			}
			if strings.Contains(string(b), "/srv/") {
				t.Errorf("the check's error is shown: %s", b)
			}
		})
	}
}
