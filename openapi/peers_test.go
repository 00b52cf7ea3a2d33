package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// peersFixture is CA-AB with the peer operations, federated with CA-BC.
type peersFixture struct {
	ab, bc *nodetest.Node
	srv    *httptest.Server
	tok    map[string]string
}

func newPeersFixture(t *testing.T) *peersFixture {
	t.Helper()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	bc := nodetest.New(t, "CA-BC", nodetest.Options{Seed: true})
	bcSrv := httptest.NewServer(openapi.New(openapi.Config{Node: bc.Node}))
	t.Cleanup(bcSrv.Close)
	trust := &federation.Trust{Name: "test", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: ab.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: bcSrv.URL, Keys: bc.PublicKeys()},
	}}
	fed, err := federation.New(federation.Config{Node: ab.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
	t.Cleanup(srv.Close)
	return &peersFixture{ab: ab, bc: bc, srv: srv, tok: map[string]string{
		"admin":   ab.Token(t, node.TokenRequest{Role: node.RoleAdmin}),
		"acsa":    ab.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ACSA"}),
		"foreign": bc.Token(t, node.TokenRequest{Role: node.RoleAdmin}),
	}}
}

func (f *peersFixture) do(t *testing.T, method, path, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok[token])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestPeerOperations(t *testing.T) {
	f := newPeersFixture(t)
	bcFeed, _, err := f.bc.Feed(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, token string
		wantStatus                int
		wantState                 string // of CA-BC, for a 200
	}{
		{"list before any sync", "GET", "/v1/peers", "", 200, federation.StateNever},
		{"sync without a token", "POST", "/v1/peers/sync", "", 401, ""},
		{"sync with another node's token", "POST", "/v1/peers/sync", "foreign", 401, ""},
		{"sync as a certifying partner", "POST", "/v1/peers/sync", "acsa", 403, ""},
		{"sync a non-peer", "POST", "/v1/peers/sync?peer=CA-ON", "admin", 404, ""},
		{"sync a malformed peer", "POST", "/v1/peers/sync?peer=alberta", "admin", 422, ""},
		{"sync one peer", "POST", "/v1/peers/sync?peer=CA-BC", "admin", 200, federation.StateSynced},
		{"sync every peer", "POST", "/v1/peers/sync", "admin", 200, federation.StateSynced},
		{"list after the sync", "GET", "/v1/peers", "", 200, federation.StateSynced},
		{"list with a token", "GET", "/v1/peers", "acsa", 200, federation.StateSynced},
		{"list as the administrator", "GET", "/v1/peers", "admin", 200, federation.StateSynced},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(t, tc.method, tc.path, tc.token)
			if status != tc.wantStatus {
				t.Fatalf("%s %s: got %d, want %d: %s", tc.method, tc.path, status, tc.wantStatus, body)
			}
			if status != 200 {
				var p struct{ Status int }
				if err := json.Unmarshal(body, &p); err != nil || p.Status != status {
					t.Errorf("%s %s: got body %s, want an RFC 9457 problem with status %d", tc.method, tc.path, body, status)
				}
				return
			}
			var out openapi.Peers
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if out.Self != "CA-AB" || len(out.Peers) != 1 || out.Peers[0].Jurisdiction != "CA-BC" {
				t.Fatalf("%s %s: got self %s and %d peers, want CA-AB and CA-BC", tc.method, tc.path, out.Self, len(out.Peers))
			}
			p := out.Peers[0]
			if p.State != tc.wantState {
				t.Errorf("%s %s: state of CA-BC: got %q, want %q (error %q)", tc.method, tc.path, p.State, tc.wantState, p.LastError)
			}
			if tc.wantState == federation.StateSynced && p.Seq != uint64(len(bcFeed)) {
				t.Errorf("%s %s: seq of CA-BC: got %d, want %d", tc.method, tc.path, p.Seq, len(bcFeed))
			}
			if admin := tc.token == "admin"; (p.URL != "") != admin {
				t.Errorf("%s %s as %q: url %q; want it shown to the administrator only", tc.method, tc.path, tc.token, p.URL)
			}
			if len(p.Keys) != 1 || p.Keys[0] != f.bc.ActiveKey().KID {
				t.Errorf("%s %s: keys of CA-BC: got %v, want [%s]", tc.method, tc.path, p.Keys, f.bc.ActiveKey().KID)
			}
		})
	}
}

func TestPeerOperationsInTheSpec(t *testing.T) {
	f := newPeersFixture(t)
	_, body := f.do(t, "GET", "/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Summary     string                `json:"summary"`
			Security    []map[string][]string `json:"security"`
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, method, id string
		secured          bool
	}{
		{"/v1/peers", "get", "list-peers", false},
		{"/v1/peers/sync", "post", "sync-peers", true},
	} {
		op, ok := doc.Paths[tc.path][tc.method]
		if !ok {
			t.Errorf("spec: no %s %s", strings.ToUpper(tc.method), tc.path)
			continue
		}
		if op.OperationID != tc.id || op.Summary == "" || (len(op.Security) > 0) != tc.secured {
			t.Errorf("spec %s %s: got id %q, summary %q, security %v; want %q, a summary, secured %v",
				tc.method, tc.path, op.OperationID, op.Summary, op.Security, tc.id, tc.secured)
		}
	}
}

func TestWitnessedCheckpoints(t *testing.T) {
	f := newPeersFixture(t)
	status, body := f.do(t, "GET", "/v1/log/witnessed", "")
	if status != 200 || !strings.Contains(string(body), `"checkpoints":[]`) {
		t.Fatalf("before any sync: got %d %s, want 200 and no checkpoints", status, body)
	}
	if status, body := f.do(t, "POST", "/v1/peers/sync", "admin"); status != 200 {
		t.Fatalf("sync: got %d %s", status, body)
	}
	status, body = f.do(t, "GET", "/v1/log/witnessed", "")
	var w federation.Witnessed
	if err := json.Unmarshal(body, &w); status != 200 || err != nil {
		t.Fatalf("after a sync: got %d %s (%v)", status, body, err)
	}
	want, err := f.bc.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if w.Witness != "CA-AB" || len(w.Checkpoints) != 1 || w.Checkpoints[0].JWS != want.JWS || w.Checkpoints[0].Cosignature == "" {
		t.Fatalf("witnessed: got %+v, want CA-AB witnessing BC's checkpoint %s with a cosignature", w, want.Body())
	}
	c, err := logproof.Verify(f.bc.PublicKeys(), "corfed/CA-BC", w.Checkpoints[0].JWS)
	if err != nil {
		t.Fatal(err)
	}
	if err := logproof.VerifyCosignature(f.ab.PublicKeys(), c, w.Checkpoints[0].Cosignature); err != nil {
		t.Errorf("cosignature: %v", err)
	}
}

// TestPeerListVariesByToken: the administrator's list shows URLs and
// errors an anonymous one does not, so the answer says it varies with
// Authorization (and Origin, as every answer does).
func TestPeerListVariesByToken(t *testing.T) {
	f := newPeersFixture(t)
	resp, err := http.Get(f.srv.URL + "/v1/peers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := resp.Header.Values("Vary"); !slices.Contains(v, "Authorization") || !slices.Contains(v, "Origin") {
		t.Errorf("GET /v1/peers: Vary %q, want Authorization and Origin", v)
	}
}
