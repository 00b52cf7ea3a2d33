package federation

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/strictjson"
)

// A federation file says who the members are, where their nodes answer and
// which keys sign their entries. It comes in one of two forms.
//
// Pinned keys: the file lists the members itself.
//
//	{
//	  "name": "corfed-demo",
//	  "members": [
//	    {"jurisdiction": "CA-AB", "url": "https://ab.example.ca",
//	     "keys": {"keys": [{"kty":"OKP","crv":"Ed25519","x":"...","kid":"...","alg":"EdDSA","use":"sig","status":"active"}]}},
//	    {"jurisdiction": "CA-BC", "url": "https://bc.example.ca", "keys": {"keys": [...]}}
//	  ]
//	}
//
// Trust anchor: the file holds the anchor's public key and a compact JWS by
// that key whose payload is a pinned-keys document as above (no white space
// needed) and whose typ is TrustType. The member list, URLs and keys are
// then exactly what the anchor signed.
//
//	{"anchor": {"kty":"OKP","crv":"Ed25519","x":"...","kid":"...","alg":"EdDSA"}, "signed": "eyJ..."}
//
// A member may also list "tiles": the URL prefixes where its log is served
// as C2SP tlog-tiles (its own bucket or CDN, and mirrors), in the order a
// follower tries them; peers then sync from them and fail over to the
// next one, and to url last (see Federation.Sync):
//
//	{"jurisdiction": "CA-AB", "url": "https://ab.example.ca",
//	 "tiles": ["https://tiles.ab.example.ca/log", "https://mirror.example.org/ab"],
//	 "keys": {...}}
//
// Rules: at most MaxTrustSize bytes; strict JSON (valid UTF-8, no unknown or
// repeated member, nothing after the document); a non-empty name of at most
// 128 bytes; 1 to 13 members with distinct ISO 3166-2:CA jurisdictions;
// each URL absolute http or https with a host, no user info, query or
// fragment (a path prefix is allowed), and so each tiles URL (at most
// MaxTileSources, each listed once); each member's keys a JWKS as
// jose.ParseJWKS reads it, with at least one key; the anchor a public JWK
// as jose.ParsePublicJWK reads it, and its JWS as jose.KeySet.Verify
// requires. testdata/federation/README.md has the same description with
// examples.
//
// Versioning: a new member of the file is a breaking change (older builds
// refuse unknown members); add a "version" member first if that is ever
// needed. "tiles" is optional, so every older file stays valid; a file
// that uses it is refused by builds older than it.

// MaxTrustSize bounds a federation file.
const MaxTrustSize = 1 << 20

// TrustType is the typ header of the anchor's signature over a member list.
const TrustType = "corfed-federation+jws"

// MaxTileSources bounds the tiles URLs of one member.
const MaxTileSources = 8

// maxTrustName bounds a federation's name.
const maxTrustName = 128

// Member is one jurisdiction of the federation.
type Member struct {
	Jurisdiction registry.Jurisdiction
	URL          string       // base URL, e.g. http://127.0.0.1:8081 (http or https; no userinfo, no query/fragment)
	Keys         *jose.KeySet // pinned keys
	// Tiles are URL prefixes where the member's log is served as static
	// tiles (its bucket, a CDN, mirrors), in the order a follower tries
	// them before URL. Optional.
	Tiles []string
}

// Trust is a parsed federation file: the members and their pinned keys.
type Trust struct {
	Name    string
	Members []Member
}

// trustJSON is either form of the file.
type trustJSON struct {
	Name    string          `json:"name,omitempty"`
	Members []memberJSON    `json:"members,omitempty"`
	Anchor  json.RawMessage `json:"anchor,omitempty"`
	Signed  string          `json:"signed,omitempty"`
}

type memberJSON struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	URL          string                `json:"url"`
	Tiles        []string              `json:"tiles,omitempty"`
	Keys         json.RawMessage       `json:"keys"`
}

// ParseTrust parses a federation file in either form (see the format
// above). Errors wrap registry.ErrInvalid, or registry.ErrUnverified when
// the anchor's signature does not verify.
func ParseTrust(data []byte) (*Trust, error) {
	if len(data) > MaxTrustSize {
		return nil, fmt.Errorf("federation file: %d bytes, at most %d allowed: %w", len(data), MaxTrustSize, registry.ErrInvalid)
	}
	var doc trustJSON
	if err := strictjson.Decode(data, &doc); err != nil {
		return nil, fmt.Errorf("federation file: %v: %w", err, registry.ErrInvalid)
	}
	if doc.Anchor == nil && doc.Signed == "" {
		return parsePinned(doc)
	}
	if doc.Name != "" || doc.Members != nil {
		return nil, fmt.Errorf("federation file: give either name and members, or anchor and signed, not both: %w", registry.ErrInvalid)
	}
	if doc.Anchor == nil || doc.Signed == "" {
		return nil, fmt.Errorf("federation file: anchor and signed go together: %w", registry.ErrInvalid)
	}
	anchor, err := jose.ParsePublicJWK(doc.Anchor)
	if err != nil {
		return nil, fmt.Errorf("federation file: anchor: %w", err)
	}
	v, err := jose.NewKeySet(anchor).Verify([]byte(doc.Signed))
	if err != nil {
		return nil, fmt.Errorf("federation file: signed member list: %w", err)
	}
	if v.Typ != TrustType {
		return nil, fmt.Errorf("federation file: signed member list has typ %q, want %q: %w", strictjson.Clip(v.Typ), TrustType, registry.ErrUnverified)
	}
	var inner trustJSON
	if err := strictjson.Decode(v.Payload, &inner); err != nil {
		return nil, fmt.Errorf("federation file: signed member list: %v: %w", err, registry.ErrInvalid)
	}
	if inner.Anchor != nil || inner.Signed != "" {
		return nil, fmt.Errorf("federation file: signed member list may not hold another anchor: %w", registry.ErrInvalid)
	}
	return parsePinned(inner)
}

// parsePinned checks a pinned-keys document.
func parsePinned(doc trustJSON) (*Trust, error) {
	fail := func(format string, args ...any) (*Trust, error) {
		return nil, fmt.Errorf("federation file: "+format+": %w", append(args, registry.ErrInvalid)...)
	}
	if doc.Name == "" || len(doc.Name) > maxTrustName {
		return fail("name must be 1 to %d bytes", maxTrustName)
	}
	if len(doc.Members) == 0 {
		return fail("no members")
	}
	t := &Trust{Name: doc.Name}
	pinnedFor := map[string]registry.Jurisdiction{} // kid -> the member that pins it
	for i, m := range doc.Members {
		if !m.Jurisdiction.Valid() {
			return fail("member %d: jurisdiction %q is not an ISO 3166-2:CA code (CA-AB, CA-BC, ...)", i, strictjson.Clip(string(m.Jurisdiction)))
		}
		if _, dup := t.Member(m.Jurisdiction); dup {
			return fail("member %d: %s is listed twice", i, m.Jurisdiction)
		}
		if err := checkURL(m.URL); err != nil {
			return fail("member %s: url %q: %v", m.Jurisdiction, strictjson.Clip(m.URL), err)
		}
		if len(m.Tiles) > MaxTileSources {
			return fail("member %s: %d tiles URLs, at most %d", m.Jurisdiction, len(m.Tiles), MaxTileSources)
		}
		for k, u := range m.Tiles {
			if err := checkURL(u); err != nil {
				return fail("member %s: tiles[%d] %q: %v", m.Jurisdiction, k, strictjson.Clip(u), err)
			}
			if slices.Contains(m.Tiles[:k], u) {
				return fail("member %s: tiles[%d] %q is listed twice", m.Jurisdiction, k, strictjson.Clip(u))
			}
		}
		if m.Keys == nil {
			return fail("member %s: no keys", m.Jurisdiction)
		}
		keys, err := jose.ParseJWKS(m.Keys)
		if err != nil {
			return nil, fmt.Errorf("federation file: member %s: keys: %w", m.Jurisdiction, err)
		}
		if keys.Len() == 0 {
			return fail("member %s: no keys", m.Jurisdiction)
		}
		// One key, one member: a key pinned for two would let either sign
		// as the other (entries, checkpoints, agreement signatures).
		for _, k := range keys.Keys() {
			if other, ok := pinnedFor[k.KID]; ok {
				return fail("member %s: key %s is pinned for %s too; each key belongs to one member", m.Jurisdiction, k.KID, other)
			}
			pinnedFor[k.KID] = m.Jurisdiction
		}
		t.Members = append(t.Members, Member{Jurisdiction: m.Jurisdiction, URL: m.URL, Keys: keys, Tiles: m.Tiles})
	}
	return t, nil
}

// checkURL checks a member's base URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme must be http or https")
	case u.Opaque != "" || u.Host == "":
		return fmt.Errorf("no host")
	case u.User != nil:
		return fmt.Errorf("user info is not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("a query is not allowed")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("a fragment is not allowed")
	case u.Hostname() == "":
		return fmt.Errorf("no host")
	}
	return nil
}

// LoadTrust reads and parses the federation file at path.
func LoadTrust(path string) (*Trust, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTrustSize+1))
	if err != nil {
		return nil, fmt.Errorf("federation file %s: %w", path, err)
	}
	t, err := ParseTrust(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Member returns the member for jurisdiction j.
func (t *Trust) Member(j registry.Jurisdiction) (Member, bool) {
	if t == nil {
		return Member{}, false
	}
	i := slices.IndexFunc(t.Members, func(m Member) bool { return m.Jurisdiction == j })
	if i < 0 {
		return Member{}, false
	}
	return t.Members[i], true
}

// KeyOwner returns the member a key is pinned for, for Chain.RefuseKeysOf.
func (t *Trust) KeyOwner() KeyOwner {
	return func(kid string) (registry.Jurisdiction, bool) {
		if t == nil {
			return "", false
		}
		for _, m := range t.Members {
			if _, ok := m.Keys.Lookup(kid); ok {
				return m.Jurisdiction, true
			}
		}
		return "", false
	}
}

// MarshalTrust returns a federation file in the pinned-keys form, indented,
// with members in the order given. It refuses what ParseTrust would refuse.
func MarshalTrust(name string, members []Member) ([]byte, error) {
	doc, err := trustDoc(name, members)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	out = append(out, '\n')
	if _, err := ParseTrust(out); err != nil {
		return nil, err
	}
	return out, nil
}

// SignTrust returns a federation file in the trust-anchor form: anchor's
// public key and its signature (typ TrustType) over the pinned-keys
// document of name and members.
func SignTrust(anchor *jose.Key, name string, members []Member) ([]byte, error) {
	doc, err := trustDoc(name, members)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	jws, err := anchor.Sign(payload, TrustType)
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	jwk, err := anchor.Public().JWK()
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	out, err := json.MarshalIndent(trustJSON{Anchor: jwk, Signed: jws}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("federation file: %w", err)
	}
	out = append(out, '\n')
	if _, err := ParseTrust(out); err != nil {
		return nil, err
	}
	return out, nil
}

func trustDoc(name string, members []Member) (trustJSON, error) {
	doc := trustJSON{Name: name, Members: []memberJSON{}}
	for _, m := range members {
		keys, err := m.Keys.MarshalJWKS()
		if err != nil {
			return trustJSON{}, fmt.Errorf("federation file: member %s: %w", m.Jurisdiction, err)
		}
		doc.Members = append(doc.Members, memberJSON{Jurisdiction: m.Jurisdiction, URL: m.URL, Tiles: m.Tiles, Keys: keys})
	}
	return doc, nil
}
