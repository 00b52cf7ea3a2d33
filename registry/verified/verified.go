// Package verified is the verifier of peers' entries: the only code that
// turns a compact JWS a peer published into an Entry that storage accepts
// as a replica entry.
//
// # What it owns
//
// Entry, a peer entry that passed every check of Check. Its fields are
// unexported and Check is its only constructor, so a value of this type is
// proof that the checks ran: the node's replica writer
// (node.ReplicaWriter.Append) takes nothing else. The federation package
// calls Check for every entry it fetches (federation.VerifyEntry).
//
// It imports registry, registry/jose (signatures) and registry/strictjson;
// it must not import registry/node, boltstore, federation or openapi.
package verified

import (
	"errors"
	"fmt"
	"slices"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/strictjson"
)

// Limits on what a peer's entry may hold.
const (
	MaxRecordSize = 256 << 10                 // bytes of one entry's record
	MaxIDLength   = registry.MaxEntryIDLength // bytes of a record id (registry.ValidEntryID)
)

// Entry is a peer entry that passed every check of [Check]. Only
// Check constructs it; storage and lookups accept nothing else. The
// zero Verified holds nothing and is never stored.
type Entry struct{ entry registry.Entry }

// Entry returns the verified entry. Every field comes from the signed
// payload; JWS is the token it was verified from.
func (v Entry) Entry() registry.Entry { return v.entry }

// Check checks one compact JWS that peer iss published against the
// keys pinned for iss, and returns the entry it signs.
//
// The checks, in order:
//
//   - [jose.KeySet.Verify]: the token's shape, a protected header with only
//     alg, kid and typ, alg in the allow-list (EdDSA, ES256), the kid looked
//     up in keys (never a key, kid source, jku, x5u or alg taken from the
//     token alone), the signature;
//   - typ is registry.EntryType ("corfed-entry+jws"), so that a token the peer
//     signed for another purpose (a bearer token, an agreement) is never
//     read as an entry;
//   - the payload is one strict [registry.Envelope]: valid UTF-8, no member
//     unknown or repeated (in the envelope or inside the record), nothing
//     after it;
//   - envelope iss equals iss (a node signs only its own jurisdiction's
//     records), a known kind, an id of 1 to MaxIDLength bytes of
//     [A-Za-z0-9._-], ver >= 1, seq >= 1, and a record that is a JSON
//     object of at most MaxRecordSize bytes.
//
// The returned entry's fields come from the signed payload, never from
// JSON around the token. Errors wrap registry.ErrUnverified when the
// signature, header, algorithm, kid, typ or issuer is wrong, and
// registry.ErrInvalid when the token or its payload is malformed.
func Check(keys *jose.KeySet, iss registry.Jurisdiction, jws string) (Entry, error) {
	v, err := keys.VerifyString(jws)
	if err != nil {
		return Entry{}, fmt.Errorf("entry of %s: %w", iss, err)
	}
	if v.Typ != registry.EntryType {
		return Entry{}, fmt.Errorf("entry of %s: typ %q, want %q: %w", iss, strictjson.Clip(v.Typ), registry.EntryType, registry.ErrUnverified)
	}
	env, err := decodeEnvelope(v.Payload)
	if err != nil {
		return Entry{}, fmt.Errorf("entry of %s: payload: %v: %w", iss, err, registry.ErrInvalid)
	}
	fail := func(kind error, format string, args ...any) (Entry, error) {
		return Entry{}, fmt.Errorf("entry of %s seq %d: %s: %w", iss, env.Seq, fmt.Sprintf(format, args...), kind)
	}
	switch {
	case env.Iss != iss:
		return fail(registry.ErrUnverified, "signed by %s's key but issued as %q (a node signs only its own records)", iss, strictjson.Clip(string(env.Iss)))
	case !slices.Contains(registry.Kinds, env.Kind):
		return fail(registry.ErrInvalid, "unknown kind %q", strictjson.Clip(string(env.Kind)))
	case !registry.ValidEntryID(env.ID):
		return fail(registry.ErrInvalid, "id %q: want 1 to %d bytes of A-Z a-z 0-9 . _ -", strictjson.Clip(env.ID), MaxIDLength)
	case env.Seq < 1:
		return fail(registry.ErrInvalid, "seq must be at least 1")
	case env.Ver < 1:
		return fail(registry.ErrInvalid, "%s %s ver %d: versions start at 1", env.Kind, env.ID, env.Ver)
	case len(env.Record) > MaxRecordSize:
		return fail(registry.ErrInvalid, "record is %d bytes, at most %d allowed", len(env.Record), MaxRecordSize)
	case len(env.Record) == 0 || env.Record[0] != '{':
		return fail(registry.ErrInvalid, "record is not a JSON object")
	case env.By != nil && !validAuthor(*env.By):
		return fail(registry.ErrInvalid, "by: want {role: admin} or {role: cp, cp: ID}, with an optional jti of at most %d bytes of A-Z a-z 0-9 . _ -", MaxIDLength)
	}
	return Entry{entry: registry.Entry{Iss: env.Iss, Seq: env.Seq, Kind: env.Kind, ID: env.ID, Ver: env.Ver,
		Iat: env.Iat, By: env.By, Record: env.Record, JWS: jws}}, nil
}

// validAuthor reports whether a is an envelope's well-formed author.
func validAuthor(a registry.Author) bool {
	if a.Token != "" && !registry.ValidEntryID(a.Token) {
		return false
	}
	switch a.Role {
	case "admin":
		return a.CP == ""
	case "cp":
		return registry.ValidEntryID(a.CP)
	}
	return false
}

// envelopeMembers are exactly the members of an envelope.
var envelopeMembers = []string{"iss", "seq", "kind", "id", "ver", "iat", "by", "record"}

// decodeEnvelope decodes a payload: one JSON object, decoded as
// strictjson.DecodeSchema does into a registry.Envelope with the schema
// envelopeMembers (record and the author kept raw), its author ("by",
// when present and not null) as strictly as strictjson.Decode does. The
// test FuzzDecodeEnvelope holds it to that definition.
//
// It reads the payload in one pass with a strictjson.Scanner (a
// follower decodes every entry it syncs; DecodeSchema's passes cost
// about a twentieth of its time), and Record aliases data.
func decodeEnvelope(data []byte) (registry.Envelope, error) {
	if len(data) == 0 || data[0] != '{' {
		return registry.Envelope{}, errors.New("not a JSON object")
	}
	sc, err := strictjson.NewScanner(data)
	if err != nil {
		return registry.Envelope{}, err
	}
	defer sc.Release()
	var env registry.Envelope
	var by []byte
	err = sc.Object(envelopeMembers, func(name []byte) error {
		var err error
		switch string(name) {
		case "iss":
			var s string
			s, err = sc.String()
			env.Iss = registry.Jurisdiction(s)
		case "seq":
			env.Seq, err = sc.Uint64()
		case "kind":
			var s string
			s, err = sc.String()
			env.Kind = registry.Kind(s)
		case "id":
			env.ID, err = sc.String()
		case "ver":
			env.Ver, err = sc.Uint64()
		case "iat":
			env.Iat, err = sc.Int64()
		case "by":
			by, err = sc.Raw()
		case "record":
			env.Record, err = sc.Raw()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	if err == nil {
		err = sc.End()
	}
	if err != nil {
		return registry.Envelope{}, err
	}
	if by != nil && string(by) != "null" { // null: no author, as for a *Author
		var a registry.Author
		if err := strictjson.Decode(by, &a); err != nil {
			return registry.Envelope{}, fmt.Errorf("by: %w", err)
		}
		env.By = &a
	}
	return env, nil
}
