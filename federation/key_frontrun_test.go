package federation_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/danielgtaylor/huma/v2"
)

// TestCopiedRotationKeyDoesNotCutOffItsOwner: a hostile CA-BC copies the
// public key that honest CA-MB has just announced in its public log into
// an announcement of its own. Whichever CA-AB reads first, and across
// CA-AB's restart, CA-MB's genuine announcement (which proves possession
// of the key) is followed; the copy, which cannot prove it, never makes
// the key CA-BC's. A copy that also carries CA-MB's proof is refused (the
// proof names CA-MB), and once CA-MB's proof is known a copy without one
// is refused too.
func TestCopiedRotationKeyDoesNotCutOffItsOwner(t *testing.T) {
	for _, tc := range []struct {
		name      string
		copyPoP   bool // the copy carries CA-MB's pop as well
		mbFirst   bool // CA-AB reads CA-MB's announcement before the copy
		bcRefused bool // CA-AB refuses the copy
	}{
		{name: "copy without proof read first"},
		{name: "copy without proof read after", mbFirst: true, bcRefused: true},
		{name: "copy with the owner's proof read first", copyPoP: true, bcRefused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bcKey, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
			if err != nil {
				t.Fatal(err)
			}
			ab := nodetest.New(t, "CA-AB", nodetest.Options{})
			mb := nodetest.New(t, "CA-MB", nodetest.Options{})
			mbSwap := &countingSwap{}
			mbSrv := httptest.NewServer(mbSwap)
			t.Cleanup(mbSrv.Close)
			bc := &hostilePeer{j: "CA-BC", key: bcKey, size: -1}
			bcSrv := httptest.NewServer(bc)
			t.Cleanup(bcSrv.Close)
			tr := &federation.Trust{Name: "three", Members: []federation.Member{
				{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: ab.PublicKeys()},
				{Jurisdiction: "CA-BC", URL: bcSrv.URL, Keys: jose.NewKeySet(bcKey.Public())},
				{Jurisdiction: "CA-MB", URL: mbSrv.URL, Keys: mb.PublicKeys()},
			}}
			serveMB := func() {
				fed, err := federation.New(federation.Config{Node: mb.Node, Trust: tr})
				if err != nil {
					t.Fatal(err)
				}
				mbSwap.set(openapi.New(openapi.Config{Node: mb.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
			}
			serveMB()
			fed, err := federation.New(federation.Config{Node: ab.Node, Trust: tr})
			if err != nil {
				t.Fatal(err)
			}
			f := forger{t, bcKey}
			bc.set([]string{f.good(1, 1, "111111118")}, -1)
			if _, err := mb.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Prairie Rigging"}, true); err != nil {
				t.Fatal(err)
			}
			for _, st := range fed.SyncAll(t.Context()) {
				if st.LastError != "" {
					t.Fatalf("before: %s: %s", st.Jurisdiction, st.LastError)
				}
			}
			// CA-MB rotates honestly: its new key is announced, signed by the
			// old, with proof of possession signed by the new.
			newKey, err := mb.Keys.Rotate(jose.EdDSA, nodetest.Now)
			if err != nil {
				t.Fatal(err)
			}
			if err := mb.Keys.Save(filepath.Join(mb.Dir, "keys.json")); err != nil {
				t.Fatal(err)
			}
			if err := mb.DB.Close(); err != nil {
				t.Fatal(err)
			}
			mb = nodetest.New(t, "CA-MB", nodetest.Options{Dir: mb.Dir})
			serveMB()
			if _, err := mb.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "864201355", LegalName: "Prairie Scaffold"}, true); err != nil {
				t.Fatal(err)
			}
			// CA-BC reads CA-MB's public log and announces the same public
			// key as its own (it has no private key: only what the log shows).
			pub := newKey.Public()
			var copied string
			if tc.copyPoP {
				copied = f.announceRaw(bcKey, 2, mbAnnouncement(t, mb, pub.KID))
			} else {
				jwk, err := pub.JWK()
				if err != nil {
					t.Fatal(err)
				}
				rec, _ := json.Marshal(registry.KeyAnnouncement{KID: pub.KID, Alg: pub.Alg, JWK: jwk, Status: jose.StatusActive})
				copied = f.announceRaw(bcKey, 2, rec)
			}
			bc.set([]string{f.good(1, 1, "111111118"), copied}, -1)
			order := []registry.Jurisdiction{"CA-BC", "CA-MB"}
			if tc.mbFirst {
				order = []registry.Jurisdiction{"CA-MB", "CA-BC"}
			}
			errs := map[registry.Jurisdiction]error{}
			for _, j := range order {
				st, err := fed.Sync(t.Context(), j)
				t.Logf("%s: state %s seq %d keys %v error %v", j, st.State, st.Seq, st.Keys, err)
				errs[j] = err
			}
			if err := errs["CA-MB"]; err != nil {
				t.Errorf("CA-MB rotated honestly, but after CA-BC announced CA-MB's new public key CA-AB refuses CA-MB: %v", err)
			}
			if err := errs["CA-BC"]; tc.bcRefused != (err != nil) {
				t.Errorf("CA-BC's copy refused %v, want %v (error %v)", err != nil, tc.bcRefused, err)
			} else if err != nil && !errors.Is(err, registry.ErrUnverified) {
				t.Errorf("CA-BC's copy refused as %v, want unverified", err)
			}
			// After CA-AB's restart: CA-MB still owns its key, and CA-BC's
			// copy (if it was accepted) still does not.
			if err := ab.DB.Close(); err != nil {
				t.Fatal(err)
			}
			ab = nodetest.New(t, "CA-AB", nodetest.Options{Dir: ab.Dir})
			fed, err = federation.New(federation.Config{Node: ab.Node, Trust: tr})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mb.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "130692544", LegalName: "Prairie Hoist"}, true); err != nil {
				t.Fatal(err)
			}
			if st, err := fed.Sync(t.Context(), "CA-MB"); err != nil || st.State != federation.StateSynced {
				t.Errorf("after CA-AB's restart, CA-MB: state %s error %v", st.State, err)
			}
			if st, _ := fed.Sync(t.Context(), "CA-BC"); tc.bcRefused != strings.Contains(st.LastError, "each key belongs to one member") && !tc.copyPoP {
				t.Errorf("after CA-AB's restart, CA-BC: state %s error %q", st.State, st.LastError)
			}
		})
	}
}

// mbAnnouncement returns the record of mb's announcement of kid.
func mbAnnouncement(t *testing.T, mb *nodetest.Node, kid string) json.RawMessage {
	t.Helper()
	es, _, err := mb.Feed(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Kind == registry.KindKey && e.ID == kid {
			var a registry.KeyAnnouncement
			if err := json.Unmarshal(e.Record, &a); err != nil || a.PoP == "" {
				t.Fatalf("CA-MB's announcement of %s has no pop (%v): %s", kid, err, e.Record)
			}
			return e.Record
		}
	}
	t.Fatalf("CA-MB's feed announces no key %s", kid)
	return nil
}

// announceRaw returns CA-BC's announcement entry seq with record rec,
// signed by signer.
func (f forger) announceRaw(signer *jose.Key, seq uint64, rec json.RawMessage) string {
	f.t.Helper()
	var a registry.KeyAnnouncement
	if err := json.Unmarshal(rec, &a); err != nil {
		f.t.Fatal(err)
	}
	return f.sign(signer, registry.Envelope{Iss: "CA-BC", Seq: seq, Kind: registry.KindKey, ID: a.KID, Ver: 1, Iat: nodetest.Now.Unix(), Record: rec})
}
