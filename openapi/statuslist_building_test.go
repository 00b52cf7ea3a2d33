package openapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestStatusListWhileBuilding: a node that builds its status list in the
// background (corfed serve) answers a request made before it is built
// with a 503 problem with Retry-After saying so, in the language asked,
// rather than making the request wait while every certificate is read;
// once built, the list is served.
func TestStatusListWhileBuilding(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node, Logger: slog.New(slog.DiscardHandler),
		Extra: []func(huma.API, *openapi.Helpers){openapi.PassOps(ps)}}))
	t.Cleanup(srv.Close)
	get := func(lang string) (int, http.Header, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+federation.StatusListPath, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	for lang, want := range map[string]string{"en": "status list is being built", "fr": "liste de statuts du nœud est en cours de construction"} {
		code, h, b := get(lang)
		var p struct {
			Errors []struct{ Message string }
		}
		_ = json.Unmarshal(b, &p)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("%s, before the build: %d Retry-After %q %s; want 503 with Retry-After saying %q", lang, code, h.Get("Retry-After"), b, want)
		}
	}
	if err := ps.Build(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, h, b := get("en"); code != http.StatusOK || h.Get("Content-Type") != statuslist.MediaType {
		t.Errorf("after the build: %d %v %s", code, h, b)
	}
}
