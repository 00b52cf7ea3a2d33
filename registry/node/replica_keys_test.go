package node_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// TestReplicaKeys: a peer's certificate is indexed for what federation
// reads a replica by (business number, number, WCB account), not by the
// keys only the node's own feed is read by (status timeline, program,
// issue date); the node's own certificate keeps them all.
func TestReplicaKeys(t *testing.T) {
	c := registry.Certificate{ID: "ACSA-20250417", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "20250417", Program: "COR",
		EmployerBN: "812345676", WCBAccounts: []string{"1234567"}, Basis: "audit", IssuedOn: registry.MustDate("2025-03-14"),
		TermMonths: 36, ExpiresOn: registry.MustDate("2028-03-14"), Status: "active"}
	rec, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	e := registry.Entry{Iss: "CA-AB", Seq: 1, Kind: registry.KindCertificate, ID: c.ID, Ver: 1, Record: rec}
	names := func(log string) []string {
		keys, ok, err := node.LogIndexKeys(log, e)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", log, ok, err)
		}
		var out []string
		for _, k := range keys {
			if !slices.Contains(out, k.Name) {
				out = append(out, k.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	own, replica := names(node.SelfLog), names("peer/CA-AB")
	for _, k := range []string{"bn", "number", "wcb"} {
		if !slices.Contains(replica, k) || !slices.Contains(own, k) {
			t.Errorf("key %q: own feed %v, replica %v; want it in both", k, own, replica)
		}
	}
	if slices.Contains(own, "st") {
		t.Errorf("own feed keys %v hold \"st\": a status search of every program merges the \"stp\" walks", own)
	}
	for _, k := range []string{"stp", "p", "live"} {
		if slices.Contains(replica, k) {
			t.Errorf("replica keys %v hold %q, which only the own feed is read by", replica, k)
		}
		if !slices.Contains(own, k) {
			t.Errorf("own feed keys %v lack %q", own, k)
		}
	}
}
