package federation_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
)

// TestFollowerLearnsRetirement: British Columbia rotates its key. Alberta,
// whose federation file still pins the old key with no word of its
// retirement, learns from BC's signed announcement of the new key when
// the old one was retired, keeps it across a restart, and from then on
// refuses a pass the old key signed after that (what a leaked key would
// make), while the passes it signed before still verify.
func TestFollowerLearnsRetirement(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	old := bc.n.ActiveKey()
	sign := func(at time.Time) string {
		text, err := pass.Encode(pass.Pass{Iss: "CA-BC", IssuedAt: at, Expires: at.Add(365 * 24 * time.Hour),
			StatusIdx: 3, StatusURI: bc.srv.URL + "/v1/status-list", CertificateID: "BCCSA-1001", Number: "1001", Program: "COR",
			EmployerName: "Coastal Rigging", EmployerBN: "123456782", IssuedOn: registry.MustDate("2026-01-05"),
			ExpiresOn: registry.MustDate("2029-01-05"), Seq: 2, LeafHash: bytes.Repeat([]byte{1}, 16)}, old)
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	before, after := sign(nodetest.Now), sign(nodetest.Now.Add(time.Hour))
	verify := func(text string) error {
		_, err := pass.Verify(text, func(j registry.Jurisdiction) (*jose.KeySet, bool) { return ab.fed.KeySet(j) }, nodetest.Now.Add(2*time.Hour))
		return err
	}
	if err := verify(after); err != nil {
		t.Fatalf("before the rotation is known, the pass verifies: %v", err)
	}
	newKey := c.rotate(bc)
	c.syncAll()
	for _, restarted := range []bool{false, true} {
		if restarted {
			c.restart(ab)
		}
		ks, _ := ab.fed.KeySet("CA-BC")
		k, _ := ks.Lookup(old.KID)
		if k.Status != jose.StatusRetired || !k.Retired.Equal(newKey.Created) {
			t.Fatalf("restarted %v: the old key as AB holds it: %s, retired %v; want retired at %v", restarted, k.Status, k.Retired, newKey.Created)
		}
		if err := verify(before); err != nil {
			t.Errorf("restarted %v: a pass of the old key from before its retirement: %v", restarted, err)
		}
		if err := verify(after); !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "retired") {
			t.Errorf("restarted %v: a pass of the old key from after its retirement: %v", restarted, err)
		}
	}
}
