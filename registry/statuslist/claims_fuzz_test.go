package statuslist

import (
	"errors"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// FuzzVerifySignedClaims: the issuer signs arbitrary claims; Verify and Get must
// neither panic nor allocate without bound. A refusal has a kind; what is
// accepted is a token of the issuer asked for, with a positive ttl, an
// exp after its iat and a bounded list every index of which reads, and it
// signs again to a token that verifies the same.
func FuzzVerifySignedClaims(f *testing.F) {
	k, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	ks := jose.NewKeySet(k.Public())
	// The seeds carry a real list (a made-up lst fails zlib's checksum,
	// and the fuzzer seldom gets past it).
	var l List
	l.Set(9, Suspended)
	for _, ttl := range []string{"300", "9223372037"} { // the second wraps to a negative Duration
		f.Add([]byte(`{"iss":"CA-AB","sub":"http://x/v1/status-list","iat":1,"exp":2,"ttl":`+ttl+`,"status_list":{"bits":2,"lst":"`+l.Encode()+`"}}`), uint64(3))
	}
	f.Fuzz(func(t *testing.T, claims []byte, idx uint64) {
		tok, err := k.Sign(claims, Type)
		if err != nil {
			return
		}
		tk, err := Verify(ks, tok, "CA-AB", "")
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrUnverified) {
				t.Fatalf("refused with an error of no kind: %v", err)
			}
			return
		}
		if tk.Iss != "CA-AB" || tk.TTL <= 0 || !tk.Exp.After(tk.Iat) || tk.List == nil || tk.List.Len() > MaxEntries {
			t.Fatalf("accepted %+v", tk)
		}
		v, ok := tk.List.Get(idx)
		if ok != (idx < uint64(tk.List.Len())) || v > 3 {
			t.Fatalf("index %d of a list of %d: %d, %v", idx, tk.List.Len(), v, ok)
		}
		_ = tk.Stale(time.Now())
		again, err := Sign(k, tk)
		if err != nil {
			t.Fatalf("Sign of a verified token: %v", err)
		}
		tk2, err := Verify(ks, again, "CA-AB", tk.Sub)
		if err != nil {
			t.Fatalf("signed again, it does not verify: %v", err)
		}
		if tk2.Sub != tk.Sub || !tk2.Iat.Equal(tk.Iat) || !tk2.Exp.Equal(tk.Exp) || tk2.TTL != tk.TTL || tk2.LogSize != tk.LogSize ||
			tk2.List.Len() != tk.List.Len() || tk2.List.Encode() != tk.List.Encode() {
			t.Fatalf("signed again, %+v reads as %+v", tk, tk2)
		}
	})
}
