package jose_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// A node signs a record with its active key; a peer that pinned the node's
// public key set verifies it, and nothing else.
func Example() {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var ring jose.Keyring
	if _, err := ring.Rotate(jose.EdDSA, now); err != nil {
		panic(err)
	}
	token, err := ring.Active().Sign([]byte(`{"id":"CA-BC/cert/123"}`), "corfed-record+jws")
	if err != nil {
		panic(err)
	}

	// The peer fetched and pinned the node's JWKS earlier.
	jwks, _ := ring.PublicSet().MarshalJWKS()
	pinned, err := jose.ParseJWKS(jwks)
	if err != nil {
		panic(err)
	}
	v, err := pinned.Verify([]byte(token))
	fmt.Println(string(v.Payload), v.Typ, err)

	// One changed byte and it is refused.
	tampered := []byte(token)
	tampered[len(tampered)-2] ^= 'A' ^ 'B'
	_, err = pinned.Verify(tampered)
	fmt.Println(errors.Is(err, registry.ErrUnverified) || errors.Is(err, registry.ErrInvalid))
	// Output:
	// {"id":"CA-BC/cert/123"} corfed-record+jws <nil>
	// true
}

// Bearer tokens between nodes are JWTs with a required expiry.
func ExampleKeySet_VerifyJWT() {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	key, _ := jose.GenerateKey(jose.EdDSA, now)
	token, _ := key.SignJWT(map[string]any{
		"iss": "https://bc.corfed.example",
		"aud": "https://on.corfed.example",
		"exp": now.Add(5 * time.Minute).Unix(),
	})
	set := jose.NewKeySet(key.Public())

	err := set.VerifyJWT(token, now, "https://bc.corfed.example", "https://on.corfed.example", nil)
	fmt.Println(err)
	err = set.VerifyJWT(token, now.Add(time.Hour), "https://bc.corfed.example", "https://on.corfed.example", nil)
	fmt.Println(errors.Is(err, registry.ErrUnauthenticated))
	// Output:
	// <nil>
	// true
}
