package logproof_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
)

// FuzzParseBody: ParseBody never panics, fails only with ErrInvalid, and
// accepts only canonical bodies: Body(ParseBody(b)) == b.
func FuzzParseBody(f *testing.F) {
	c := sample(f)
	good := string(c.Body())
	f.Add([]byte(good))
	f.Add([]byte(strings.ReplaceAll(good, "\n", "\r\n")))
	f.Add([]byte(good + "ext\n"))
	f.Add([]byte(strings.Replace(good, "\n42\n", "\n042\n", 1)))
	f.Add([]byte(strings.Replace(good, "\n42\n", "\n0\n", 1)))
	f.Add([]byte(strings.Replace(good, "12:00:00Z", "12:00:00.1Z", 1)))
	f.Add([]byte("corfed/CA-AB\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n2026-11-25T12:00:00Z\n"))
	f.Add([]byte{})
	k := fixedKey(f, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := logproof.ParseBody(b)
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if got := c.Body(); !bytes.Equal(got, b) {
			t.Fatalf("not canonical: parsed %q, which writes %q", b, got)
		}
		// What parses can be signed, and what is signed verifies.
		s, err := logproof.Sign(k, c)
		if err != nil {
			t.Fatalf("Sign of a parsed body: %v", err)
		}
		if _, err := logproof.Verify(jose.NewKeySet(k.Public()), c.Origin, s.JWS); err != nil {
			t.Fatalf("Verify of a signed body: %v", err)
		}
	})
}

// FuzzVerifyCheckpoint: Verify never panics on hostile tokens, fails only
// with ErrInvalid or ErrUnverified, and what it accepts is a checkpoint
// whose body is the token's payload, of the origin asked for.
func FuzzVerifyCheckpoint(f *testing.F) {
	k := fixedKey(f, 2)
	keys := jose.NewKeySet(k.Public())
	s, err := logproof.Sign(k, sample(f))
	if err != nil {
		f.Fatal(err)
	}
	cosig, _ := logproof.Cosign(k, s.Checkpoint)
	entry, _ := k.Sign(s.Body(), "corfed-entry+jws")
	f.Add(s.JWS, "corfed/CA-AB")
	f.Add(s.JWS, "corfed/CA-BC")
	f.Add(cosig, "corfed/CA-AB")
	f.Add(entry, "corfed/CA-AB")
	f.Add(s.JWS[:len(s.JWS)-2]+"AA", "corfed/CA-AB")
	f.Add("e30.e30.e30", "corfed/CA-AB")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, jws, origin string) {
		c, err := logproof.Verify(keys, origin, jws)
		if err != nil {
			if !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrUnverified) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrUnverified", err)
			}
			return
		}
		v, err := keys.Verify([]byte(jws))
		if err != nil {
			t.Fatalf("Verify accepted what KeySet.Verify rejects: %v", err)
		}
		if !bytes.Equal(v.Payload, c.Body()) || c.Origin != origin || v.Typ != logproof.CheckpointType {
			t.Fatalf("accepted %+v from payload %q typ %q for origin %q", c, v.Payload, v.Typ, origin)
		}
	})
}

// FuzzProofJSON: the proof and checkpoint decoders never panic, fail only
// with ErrInvalid, and what they accept re-encodes to JSON that decodes to
// the same value. Verification of a decoded proof never panics or hangs.
func FuzzProofJSON(f *testing.F) {
	m := newMemLog(f, 9)
	for _, p := range []any{m.inclusion(f, 3, 9), m.inclusion(f, 1, 1), m.consistency(f, 3, 9), m.consistency(f, 9, 9)} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	s, _ := logproof.Sign(fixedKey(f, 3), sample(f))
	b, _ := json.Marshal(s)
	f.Add(b)
	f.Add([]byte(`{"seq":4611686018427387904,"leaf_index":4611686018427387903,"tree_size":4611686018427387904,"leaf_hash":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","hashes":[]}`))
	f.Add([]byte(`{"from":1,"to":9223372036854775807,"hashes":[]}`))
	f.Add([]byte(`{"seq":1,"hashes":null}`))
	root := m.root(f, 9)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ip logproof.InclusionProof
		if err := json.Unmarshal(data, &ip); err == nil {
			roundTrip(t, ip, &logproof.InclusionProof{})
			_ = logproof.VerifyInclusion(ip, root)
		} else if !isInvalid(err) {
			t.Fatalf("inclusion: error %v does not wrap ErrInvalid", err)
		}
		var cp logproof.ConsistencyProof
		if err := json.Unmarshal(data, &cp); err == nil {
			roundTrip(t, cp, &logproof.ConsistencyProof{})
			_ = logproof.VerifyConsistency(cp, root, root)
		} else if !isInvalid(err) {
			t.Fatalf("consistency: error %v does not wrap ErrInvalid", err)
		}
		var sc logproof.Signed
		if err := json.Unmarshal(data, &sc); err == nil {
			roundTrip(t, sc, &logproof.Signed{})
		} else if !isInvalid(err) {
			t.Fatalf("signed checkpoint: error %v does not wrap ErrInvalid", err)
		}
	})
}

// isInvalid accepts ErrInvalid, and encoding/json's own syntax errors,
// which it reports before any of our code runs.
func isInvalid(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.Is(err, registry.ErrInvalid) || errors.As(err, &syn) || errors.As(err, &typ)
}

// roundTrip checks that v encodes, decodes into into, and encodes again to
// the same bytes.
func roundTrip(t *testing.T, v any, into any) {
	t.Helper()
	b1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %+v: %v", v, err)
	}
	if err := json.Unmarshal(b1, into); err != nil {
		t.Fatalf("unmarshal %s: %v", b1, err)
	}
	b2, err := json.Marshal(into)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("round trip:\n %s\n %s", b1, b2)
	}
}
