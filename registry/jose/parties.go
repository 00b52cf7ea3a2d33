package jose

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MaxSignatures bounds the signatures in one general JSON serialization.
const MaxSignatures = 64

// maxExpandedSize bounds the compact JWSs ParseGeneralJSON returns, in
// total: each repeats the payload.
const maxExpandedSize = 16 << 20

// PartySignature is one party's compact JWS over the shared payload.
type PartySignature struct {
	Party string `json:"party"` // e.g. "CA-BC"; informational only, never trusted
	JWS   string `json:"jws"`
}

// VerifyParties checks that every party in parties signed payload: for each
// party name, some signature in sigs must verify against keys[party] (that
// party's pinned set) and carry exactly payload. It returns the parties
// whose signature verified, in the order of parties, and for each other
// party a reason. The agreement is signed by all only if missing is empty
// and parties lists them all; a party named twice is checked once.
//
// Each party is checked against its own key set only, never a union of
// sets (jws.Verify with several keys succeeds when any one verifies). A
// signature satisfies at most one party, so even if two parties' pinned
// sets were to share a key, one signature cannot count twice.
// PartySignature.Party only decides which signatures are tried first.
func VerifyParties(payload []byte, parties []string, sigs []PartySignature, keys map[string]*KeySet) (signed []string, missing map[string]string) {
	missing = make(map[string]string)
	used := make([]bool, len(sigs))
	done := make(map[string]bool, len(parties))
	for _, party := range parties {
		if done[party] {
			continue
		}
		done[party] = true
		set := keys[party]
		if set.Len() == 0 {
			missing[party] = "no pinned keys for this party"
			continue
		}
		// Signatures labelled with this party first, then the rest.
		order := make([]int, 0, len(sigs))
		for i, sig := range sigs {
			if sig.Party == party {
				order = append(order, i)
			}
		}
		for i, sig := range sigs {
			if sig.Party != party {
				order = append(order, i)
			}
		}
		reason := "no signature verifies against this party's pinned keys"
		ok := false
		for _, i := range order {
			if used[i] {
				continue
			}
			v, err := set.Verify([]byte(sigs[i].JWS))
			if err != nil {
				if sigs[i].Party == party {
					reason = fmt.Sprintf("signature labelled %q: %v", clip(party), err)
				}
				continue
			}
			if !bytes.Equal(v.Payload, payload) {
				reason = fmt.Sprintf("signature by key %s signs a different payload", v.KID)
				continue
			}
			used[i], ok = true, true
			break
		}
		if ok {
			signed = append(signed, party)
		} else {
			missing[party] = reason
		}
	}
	return signed, missing
}

// generalJSON is the RFC 7515 §7.2.1 general JSON serialization, with the
// party label as an extra member of each signature object.
type generalJSON struct {
	Payload    string           `json:"payload"`
	Signatures []generalJSONSig `json:"signatures"`
}

type generalJSONSig struct {
	Protected string `json:"protected"`
	Signature string `json:"signature"`
	Party     string `json:"party,omitempty"`
}

// GeneralJSON renders sigs, compact JWSs over payload, as one RFC 7515
// §7.2.1 general JSON serialization: the payload once, then each
// signature's protected header and signature, with its party label as the
// extra member "party". Each JWS must pass the shape and header checks of
// [KeySet.Verify] and carry exactly payload; signatures are not verified.
// Errors wrap registry.ErrInvalid (or registry.ErrUnverified for a header
// we do not allow).
func GeneralJSON(payload []byte, sigs []PartySignature) ([]byte, error) {
	if len(payload) == 0 {
		return nil, invalidf("jws json: empty payload")
	}
	if len(sigs) == 0 || len(sigs) > MaxSignatures {
		return nil, invalidf("jws json: %d signatures, want 1 to %d", len(sigs), MaxSignatures)
	}
	out := generalJSON{Payload: b64.EncodeToString(payload)}
	for i, sig := range sigs {
		c, err := splitCompact(sig.JWS)
		if err != nil {
			return nil, fmt.Errorf("jws json: signature %d: %w", i, err)
		}
		if c.rawPayload != out.Payload {
			return nil, invalidf("jws json: signature %d signs a different payload", i)
		}
		out.Signatures = append(out.Signatures, generalJSONSig{Protected: c.rawHeader, Signature: c.rawSig, Party: sig.Party})
	}
	return json.Marshal(out)
}

// ParseGeneralJSON parses a general JSON serialization strictly, the
// inverse of [GeneralJSON]: at most MaxJWSSize bytes; a JSON object with
// exactly "payload" and "signatures"; 1 to MaxSignatures signature objects
// with "protected", "signature" and optionally "party" (an unprotected
// "header" is rejected); no member twice; canonical base64url everywhere;
// each protected header as [KeySet.Verify] requires. It returns the payload
// and each signature as a compact JWS, to be checked with [VerifyParties]
// or [KeySet.Verify]; nothing is verified here. Errors wrap
// registry.ErrInvalid (or registry.ErrUnverified for a header we do not
// allow).
func ParseGeneralJSON(data []byte) (payload []byte, sigs []PartySignature, err error) {
	if len(data) > MaxJWSSize {
		return nil, nil, invalidf("jws json: %d bytes, at most %d allowed", len(data), MaxJWSSize)
	}
	m, err := decodeObject(data)
	if err != nil {
		return nil, nil, invalidf("jws json: %v", err)
	}
	if err := onlyMembers(m, "payload", "signatures"); err != nil {
		return nil, nil, invalidf("jws json: %v", err)
	}
	rawPayload, ok, err := stringMember(m, "payload")
	if err != nil || !ok {
		return nil, nil, invalidf("jws json: payload must be a string")
	}
	if payload, err = decodePayload(rawPayload); err != nil {
		return nil, nil, err
	}
	rawSigs, ok := m["signatures"]
	if !ok {
		return nil, nil, invalidf("jws json: missing signatures")
	}
	elems, err := decodeArray(rawSigs, MaxSignatures)
	if err != nil {
		return nil, nil, invalidf("jws json: signatures: %v", err)
	}
	if len(elems) == 0 {
		return nil, nil, invalidf("jws json: no signatures")
	}
	// Each signature comes back as a compact JWS carrying the payload, so
	// bound the expansion (64 signatures over a 1 MiB payload would
	// otherwise become 64 MiB).
	if len(rawPayload)*len(elems) > maxExpandedSize {
		return nil, nil, invalidf("jws json: %d signatures over a %d-byte payload is too large", len(elems), len(payload))
	}
	for i, e := range elems {
		sm, err := decodeObject(e)
		if err != nil {
			return nil, nil, invalidf("jws json: signature %d: %v", i, err)
		}
		if _, ok := sm["header"]; ok {
			return nil, nil, unverifiedf("jws json: signature %d: unprotected header not allowed", i)
		}
		if err := onlyMembers(sm, "protected", "signature", "party"); err != nil {
			return nil, nil, invalidf("jws json: signature %d: %v", i, err)
		}
		var parts [3]string // protected, signature, party
		for j, name := range []string{"protected", "signature", "party"} {
			s, ok, err := stringMember(sm, name)
			if err != nil || (!ok && name != "party") {
				return nil, nil, invalidf("jws json: signature %d: %s must be a string", i, name)
			}
			parts[j] = s
		}
		if _, _, err := decodeHeaderSig(parts[0], parts[1]); err != nil {
			return nil, nil, fmt.Errorf("jws json: signature %d: %w", i, err)
		}
		sigs = append(sigs, PartySignature{Party: parts[2], JWS: parts[0] + "." + rawPayload + "." + parts[1]})
	}
	return payload, sigs, nil
}
