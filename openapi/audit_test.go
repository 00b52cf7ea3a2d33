package openapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestAuditLog: every write, 401 and 403 is an "audit" event with who,
// which token, what and from where; the access log has a line per request;
// anonymous callers of /v1/peers see no URL or error detail.
func TestAuditLog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, OnWrite: openapi.AuditWrite(log)})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node, Logger: log,
		Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
	defer srv.Close()
	f := &fixture{n: n, srv: srv, tok: map[string]string{
		"admin": n.Token(t, node.TokenRequest{Role: node.RoleAdmin}),
		"esc":   n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ESC"}),
	}}
	admin, _ := n.Authenticate(f.tok["admin"])
	if code, _, b := f.do(t, "POST", "/v1/employers", "admin", `{"bn":"123456782","legal_name":"Audit Works Ltd"}`); code != 201 {
		t.Fatalf("write: %d %s", code, b)
	}
	if code, _, _ := f.do(t, "POST", "/v1/employers", "", `{}`); code != 401 {
		t.Fatalf("anonymous write: %d", code)
	}
	if code, _, _ := f.do(t, "PATCH", "/v1/certificates/ACSA-20250417", "esc", `{"action":"suspend","reason":"x"}`); code != 403 {
		t.Fatalf("ESC suspends ACSA's certificate: %d", code)
	}
	want := map[string]func(m map[string]any) bool{
		"write": func(m map[string]any) bool {
			return m["kind"] == "employer" && m["id"] == "123456782" && m["role"] == "admin" && m["jti"] == admin.TokenID && m["seq"] != nil && m["remote"] != ""
		},
		"unauthenticated": func(m map[string]any) bool {
			return m["reason"] != "" && strings.HasPrefix(m["remote"].(string), "127.0.0.1:")
		},
		"forbidden": func(m map[string]any) bool {
			return strings.Contains(m["reason"].(string), "belongs to CP ACSA") && m["cp"] == "ESC" && strings.HasPrefix(m["remote"].(string), "127.0.0.1:")
		},
	}
	access := 0
	for _, m := range buf.lines() {
		if m["msg"] == "http request" {
			access++
		}
		if m["msg"] != "audit" {
			continue
		}
		if ok := want[m["event"].(string)]; ok != nil && ok(m) {
			delete(want, m["event"].(string))
		}
	}
	for ev := range want {
		t.Errorf("no audit event %q with the expected attributes in:\n%s", ev, buf.b.String())
	}
	if access < 3 {
		t.Errorf("%d access log lines, want one per request", access)
	}
}

// TestAuditLogsWritesOutsideTheFeed: webhook subscriptions and claims rows
// live outside the signed feed, so nothing records who wrote them but the
// audit log: each create, status change, replay, delete and snapshot
// import is an "audit" write event with the caller's role and token id.
// Found by review s25-r (finding 11).
func TestAuditLogsWritesOutsideTheFeed(t *testing.T) {
	var buf syncBuffer
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	h, _ := fullAPILog(t, n, slog.New(slog.NewJSONHandler(&buf, nil)))
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := &fixture{n: n, srv: srv, tok: map[string]string{"admin": n.Token(t, node.TokenRequest{Role: node.RoleAdmin})}}
	admin, _ := n.Authenticate(f.tok["admin"])
	code, _, b := f.do(t, "POST", "/v1/subscriptions", "admin", `{"url":"https://example.org/hook","watch":[{"bn":"812345676"}]}`)
	if code != 201 {
		t.Fatalf("subscribe: %d %s", code, b)
	}
	var sub struct{ ID string }
	json.Unmarshal(b, &sub)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/subscriptions/" + sub.ID + "/status", `{"status":"disabled"}`},
		{"DELETE", "/v1/subscriptions/" + sub.ID, ""},
		{"POST", "/v1/snapshots", `[{"employer_bn":"812345676","wcb_account":"4512876","year":2025,"person_years":50,"lost_time_claims":0,"disabling_injury_claims":0,"fatalities":0}]`},
	} {
		if code, _, b := f.do(t, c.method, c.path, "admin", c.body); code >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, code, b)
		}
	}
	want := map[string]bool{"subscription create": true, "subscription status": true, "subscription delete": true, "snapshots ": true}
	for _, m := range buf.lines() {
		if m["msg"] != "audit" || m["event"] != "write" || m["role"] != "admin" || m["jti"] != admin.TokenID {
			continue
		}
		action, _ := m["action"].(string)
		if m["kind"] == "snapshots" && m["rows"] != 1.0 {
			continue
		}
		delete(want, m["kind"].(string)+" "+action)
	}
	for w := range want {
		t.Errorf("no audit write event %q with the caller's role and token id in:\n%s", w, buf.b.String())
	}
}

// TestAuditLogKeepsNoWebhookSecret (review s28-o, M5): many webhook
// receivers authenticate by a secret in the URL (a token in the query, a
// path such as Slack's or Teams'). The audit line of a subscription's
// create names the endpoint by scheme, host and port only: neither its path
// nor its query nor its fragment reaches the log.
func TestAuditLogKeepsNoWebhookSecret(t *testing.T) {
	var buf syncBuffer
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	h, _ := fullAPILog(t, n, slog.New(slog.NewJSONHandler(&buf, nil)))
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := &fixture{n: n, srv: srv, tok: map[string]string{"admin": n.Token(t, node.TokenRequest{Role: node.RoleAdmin})}}
	tests := []struct{ url, want string }{
		{"https://93.184.216.34/in?token=SECRET1", "https://93.184.216.34"},
		{"https://93.184.216.34:8443/services/T0/B0/SECRET2", "https://93.184.216.34:8443"},
		{"http://93.184.216.34/hook#SECRET3", "http://93.184.216.34"},
		{"https://[2606:2800:220:1:248:1893:25c8:1946]:9000/x/SECRET4?k=SECRET5", "https://[2606:2800:220:1:248:1893:25c8:1946]:9000"},
	}
	for _, tc := range tests {
		code, _, b := f.do(t, "POST", "/v1/subscriptions", "admin", `{"url":"`+tc.url+`","watch":[{"bn":"812345676"}]}`)
		if code != 201 {
			t.Fatalf("subscribe %s: %d %s", tc.url, code, b)
		}
		var sub struct{ ID string }
		json.Unmarshal(b, &sub)
		found := false
		for _, m := range buf.lines() {
			if m["msg"] == "audit" && m["kind"] == "subscription" && m["id"] == sub.ID && m["action"] == "create" {
				found = true
				if m["endpoint"] != tc.want || m["url"] != nil {
					t.Errorf("%s: audit line has endpoint %v url %v, want endpoint %q and no url", tc.url, m["endpoint"], m["url"], tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%s: no audit line of its create", tc.url)
		}
	}
	buf.mu.Lock()
	defer buf.mu.Unlock()
	if strings.Contains(buf.b.String(), "SECRET") {
		t.Errorf("a webhook URL's secret is in the log:\n%s", buf.b.String())
	}
}
