package openapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/danielgtaylor/huma/v2"
)

// TestCPScopedCredentialIsItsNodesOwn: a peer, internal or candidate
// credential names a CP of the node that writes it (another province's
// administrator does not decide who audits for a CA-BC CP), so CA-BC
// does not accept BCCSA's audit by an auditor CA-AB certified for it.
// (The reading side, for records stored before: TestCPScopedCredentialCountsOnItsCPsNode.)
func TestCPScopedCredentialIsItsNodesOwn(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	bc := nodetest.New(t, "CA-BC", nodetest.Options{Seed: true})
	abSrv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(abSrv.Close)
	trust := &federation.Trust{Name: "test", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: abSrv.URL, Keys: ab.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: bc.PublicKeys()},
	}}
	fed, err := federation.New(federation.Config{Node: bc.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	bcSrv := httptest.NewServer(openapi.New(openapi.Config{Node: bc.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
	t.Cleanup(bcSrv.Close)
	abAdmin := ab.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	bcAdmin := bc.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	bccsa := bc.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "BCCSA"})

	st, m := call(t, "POST", abSrv.URL+"/v1/auditors", abAdmin,
		`{"id":"AUD-9001","name":"Test Person","credentials":[{"cp":"BCCSA","kind":"internal","certified_on":"2026-01-10"},{"cp":"NOSUCHCP","kind":"peer","certified_on":"2026-01-10"},{"cp":"ACSA","kind":"internal","certified_on":"2026-01-10"}]}`)
	errs, _ := m["errors"].([]any)
	if st != 422 || len(errs) != 2 || problemLocation(m) != "body.credentials[0].cp" {
		t.Errorf("CA-AB registered credentials of BCCSA (a CP of CA-BC) and NOSUCHCP: %d %v", st, m)
	}
	if st, m := call(t, "POST", bcSrv.URL+"/v1/peers/sync", bcAdmin, ""); st != 200 {
		t.Fatalf("sync: %d %v", st, m)
	}
	st, m = call(t, "POST", bcSrv.URL+"/v1/audits", bccsa, strings.NewReplacer("AUD-0001", "AUD-9001", `"certification"`, `"maintenance","certificate":"BCCSA-BC-118204"`).Replace(fill(bcAudit, "2026-10-13", "2026-10-17", "2026-10-30")))
	if st != 422 || problemLocation(m) != "body.auditors[0]" {
		t.Errorf("CA-BC accepted BCCSA's audit by an internal auditor CA-AB certified for BCCSA: %d %v", st, m)
	}
}
