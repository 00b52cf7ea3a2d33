package statuslist

import (
	"testing"
	"time"

	"github.com/corfed/corfed/registry/jose"
)

// FuzzVerifySignedClaims: the issuer signs arbitrary claims; Verify and Get must
// neither panic nor allocate without bound.
func FuzzVerifySignedClaims(f *testing.F) {
	k, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	ks := jose.NewKeySet(k.Public())
	f.Add([]byte(`{"iss":"CA-AB","sub":"http://x/v1/status-list","iat":1,"exp":2,"ttl":300,"status_list":{"bits":2,"lst":"eNrbuWMDAAR5AgM"}}`), uint64(3))
	f.Fuzz(func(t *testing.T, claims []byte, idx uint64) {
		tok, err := k.Sign(claims, Type)
		if err != nil {
			return
		}
		tk, err := Verify(ks, tok, "CA-AB", "")
		if err != nil {
			return
		}
		_, _ = tk.List.Get(idx)
		_ = tk.Stale(time.Now())
	})
}
