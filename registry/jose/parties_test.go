package jose

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/corfed/corfed/registry"
)

// agreement is a reciprocity agreement among three provinces, with each
// one's key and pinned set.
type agreement struct {
	payload []byte
	parties []string
	key     map[string]*Key
	pinned  map[string]*KeySet
}

func newAgreement(t *testing.T) agreement {
	t.Helper()
	a := agreement{
		payload: []byte(`{"agreement":"red-seal-electrician","parties":["CA-AB","CA-BC","CA-ON"]}`),
		parties: []string{"CA-AB", "CA-BC", "CA-ON"},
		key:     map[string]*Key{},
		pinned:  map[string]*KeySet{},
	}
	for i, p := range a.parties {
		alg := EdDSA
		if i == 1 {
			alg = ES256
		}
		a.key[p] = newTestKey(t, alg)
		a.pinned[p] = NewKeySet(a.key[p].Public())
	}
	return a
}

func (a agreement) sig(t *testing.T, party string, payload []byte) PartySignature {
	t.Helper()
	return PartySignature{Party: party, JWS: sign(t, a.key[party], payload, "corfed-agreement+jws")}
}

func TestVerifyParties(t *testing.T) {
	a := newAgreement(t)
	other := []byte(`{"agreement":"something else"}`)
	ab, bc, on := a.sig(t, "CA-AB", a.payload), a.sig(t, "CA-BC", a.payload), a.sig(t, "CA-ON", a.payload)
	relabel := func(s PartySignature, party string) PartySignature { s.Party = party; return s }

	// keys[CA-ON] wrongly also pins CA-AB's key.
	overlapping := map[string]*KeySet{
		"CA-AB": a.pinned["CA-AB"],
		"CA-BC": a.pinned["CA-BC"],
		"CA-ON": a.pinned["CA-ON"].With(a.key["CA-AB"].Public()),
	}

	tests := []struct {
		name        string
		sigs        []PartySignature
		keys        map[string]*KeySet
		wantSigned  []string
		wantMissing []string
	}{
		{"all three", []PartySignature{ab, bc, on}, a.pinned, a.parties, nil},
		{"any order, no labels", []PartySignature{relabel(on, ""), relabel(ab, ""), relabel(bc, "")}, a.pinned, a.parties, nil},
		{"two of three", []PartySignature{ab, bc}, a.pinned, []string{"CA-AB", "CA-BC"}, []string{"CA-ON"}},
		{"A's signature labelled as ON's", []PartySignature{ab, bc, relabel(ab, "CA-ON")}, a.pinned, []string{"CA-AB", "CA-BC"}, []string{"CA-ON"}},
		{"ON signed another payload", []PartySignature{ab, bc, a.sig(t, "CA-ON", other)}, a.pinned, []string{"CA-AB", "CA-BC"}, []string{"CA-ON"}},
		{"ON's key not pinned", []PartySignature{ab, bc, on}, map[string]*KeySet{"CA-AB": a.pinned["CA-AB"], "CA-BC": a.pinned["CA-BC"]}, []string{"CA-AB", "CA-BC"}, []string{"CA-ON"}},
		{"one signature cannot count twice", []PartySignature{ab, bc}, overlapping, []string{"CA-AB", "CA-BC"}, []string{"CA-ON"}},
		{"garbage", []PartySignature{{Party: "CA-AB", JWS: "not.a.jws"}}, a.pinned, nil, a.parties},
		{"none", nil, a.pinned, nil, a.parties},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed, missing := VerifyParties(a.payload, a.parties, tc.sigs, tc.keys)
			if !slices.Equal(signed, tc.wantSigned) {
				t.Errorf("got signed %v, want %v", signed, tc.wantSigned)
			}
			var gotMissing []string
			for _, p := range a.parties {
				if reason, ok := missing[p]; ok {
					gotMissing = append(gotMissing, p)
					if reason == "" {
						t.Errorf("missing %s with no reason", p)
					}
				}
			}
			if !slices.Equal(gotMissing, tc.wantMissing) || len(missing) != len(tc.wantMissing) {
				t.Errorf("got missing %v, want %v", missing, tc.wantMissing)
			}
		})
	}
}

// TestVerifyPartiesNotAny shows the trap VerifyParties avoids: jwx's
// jws.Verify over the general JSON with every party's key succeeds when any
// one signature verifies, although CA-ON never signed.
func TestVerifyPartiesNotAny(t *testing.T) {
	a := newAgreement(t)
	sigs := []PartySignature{a.sig(t, "CA-AB", a.payload), a.sig(t, "CA-BC", a.payload)}
	general, err := GeneralJSON(a.payload, sigs)
	if err != nil {
		t.Fatal(err)
	}
	var opts []jws.VerifyOption
	for _, p := range a.parties {
		pub := a.pinned[p].Keys()[0]
		opts = append(opts, jws.WithKey(jwa.SignatureAlgorithm(pub.Alg), pub.key))
	}
	if _, err := jws.Verify(general, opts...); err != nil {
		t.Fatalf("jws.Verify with any key: %v (the trap no longer reproduces)", err)
	}
	on := a.pinned["CA-ON"].Keys()[0]
	if _, err := jws.Verify(general, jws.WithKey(jwa.SignatureAlgorithm(on.Alg), on.key)); err == nil {
		t.Fatalf("jws.Verify with CA-ON's key alone: got no error, want one")
	}

	payload, parsed, err := ParseGeneralJSON(general)
	if err != nil {
		t.Fatal(err)
	}
	signed, missing := VerifyParties(payload, a.parties, parsed, a.pinned)
	if !slices.Equal(signed, []string{"CA-AB", "CA-BC"}) {
		t.Errorf("got signed %v, want [CA-AB CA-BC]", signed)
	}
	if _, ok := missing["CA-ON"]; !ok || len(missing) != 1 {
		t.Errorf("got missing %v, want CA-ON only", missing)
	}
}

func TestGeneralJSONRoundTrip(t *testing.T) {
	a := newAgreement(t)
	var sigs []PartySignature
	for _, p := range a.parties {
		sigs = append(sigs, a.sig(t, p, a.payload))
	}
	data, err := GeneralJSON(a.payload, sigs)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 7515 shape: jwx parses it as one payload with three signatures.
	msg, err := jws.Parse(data)
	if err != nil {
		t.Fatalf("jws.Parse: %v", err)
	}
	if got := len(msg.Signatures()); got != 3 {
		t.Errorf("got %d signatures from jwx, want 3", got)
	}
	if !bytes.Equal(msg.Payload(), a.payload) {
		t.Errorf("got jwx payload %s, want %s", msg.Payload(), a.payload)
	}

	payload, got, err := ParseGeneralJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, a.payload) {
		t.Errorf("got payload %s, want %s", payload, a.payload)
	}
	if !slices.Equal(got, sigs) {
		t.Errorf("got signatures %v, want %v", got, sigs)
	}
	signed, missing := VerifyParties(payload, a.parties, got, a.pinned)
	if len(signed) != 3 || len(missing) != 0 {
		t.Errorf("got signed %v, missing %v; want all three signed", signed, missing)
	}
}

func TestGeneralJSONRejects(t *testing.T) {
	a := newAgreement(t)
	ab := a.sig(t, "CA-AB", a.payload)
	if _, err := GeneralJSON(a.payload, []PartySignature{ab, a.sig(t, "CA-ON", []byte("other"))}); err == nil {
		t.Errorf("GeneralJSON over two payloads: got no error, want one")
	}
	if _, err := GeneralJSON(a.payload, nil); err == nil {
		t.Errorf("GeneralJSON with no signatures: got no error, want one")
	}

	segs := strings.Split(ab.JWS, ".")
	obj := func(m map[string]any) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	sig := func(extra map[string]any) map[string]any {
		m := map[string]any{"protected": segs[0], "signature": segs[2], "party": "CA-AB"}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	doc := func(extra map[string]any, sigs ...map[string]any) string {
		m := map[string]any{"payload": segs[1], "signatures": sigs}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return obj(m)
	}
	if _, _, err := ParseGeneralJSON([]byte(doc(nil, sig(nil)))); err != nil {
		t.Fatalf("valid document: %v", err)
	}
	hostileHeader := enc([]byte(`{"alg":"EdDSA","kid":"` + a.key["CA-AB"].KID + `","jku":"https://evil.example"}`))

	tests := []struct {
		name string
		data string
		want error
	}{
		{"unprotected header", doc(nil, sig(map[string]any{"header": map[string]string{"kid": "x"}})), registry.ErrUnverified},
		{"protected header with jku", doc(nil, sig(map[string]any{"protected": hostileHeader})), registry.ErrUnverified},
		{"flattened serialization", obj(map[string]any{"payload": segs[1], "protected": segs[0], "signature": segs[2]}), registry.ErrInvalid},
		{"no signatures", doc(nil), registry.ErrInvalid},
		{"signatures not an array", doc(map[string]any{"signatures": sig(nil)}), registry.ErrInvalid},
		{"missing payload", doc(map[string]any{"payload": nil}, sig(nil)), registry.ErrInvalid},
		{"empty payload", doc(map[string]any{"payload": ""}, sig(nil)), registry.ErrInvalid},
		{"padded payload", doc(map[string]any{"payload": segs[1] + "="}, sig(nil)), registry.ErrInvalid},
		{"payload not a string", doc(map[string]any{"payload": 1}, sig(nil)), registry.ErrInvalid},
		{"missing signature", doc(nil, sig(map[string]any{"signature": nil})), registry.ErrInvalid},
		{"missing protected", doc(nil, sig(map[string]any{"protected": nil})), registry.ErrInvalid},
		{"party not a string", doc(nil, sig(map[string]any{"party": 7})), registry.ErrInvalid},
		{"unknown member", doc(nil, sig(map[string]any{"x": "y"})), registry.ErrInvalid},
		{"unknown top-level member", doc(map[string]any{"x": "y"}, sig(nil)), registry.ErrInvalid},
		{"duplicate member", strings.Replace(doc(nil, sig(nil)), `"payload":`, `"payload":"eyJ9","payload":`, 1), registry.ErrInvalid},
		{"too many signatures", doc(nil, slices.Repeat([]map[string]any{sig(nil)}, MaxSignatures+1)...), registry.ErrInvalid},
		{"oversized", doc(nil, sig(nil)) + strings.Repeat(" ", MaxJWSSize), registry.ErrInvalid},
		{"compact", ab.JWS, registry.ErrInvalid},
		{"trailing data", doc(nil, sig(nil)) + "{}", registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseGeneralJSON([]byte(tc.data))
			checkKind(t, err, tc.want)
		})
	}
}
