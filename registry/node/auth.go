package node

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// Scopes a bearer token may carry.
const (
	ScopeEmployers     = "employers:write"
	ScopeCPs           = "cps:write"
	ScopeCertificates  = "certificates:write"
	ScopeEquivalencies = "equivalencies:write"
	ScopeRules         = "rules:write"
	ScopeSubscriptions = "subscriptions:write" // webhook subscriptions (program administrator)
)

// AllScopes lists every scope.
var AllScopes = []string{ScopeEmployers, ScopeCPs, ScopeCertificates, ScopeEquivalencies, ScopeRules, ScopeSubscriptions}

// Roles.
const (
	RoleAdmin = "admin" // the program administrator of the node's jurisdiction
	RoleCP    = "cp"    // a certifying partner, which writes only its own certificates
)

// Audience is the aud claim of every corfed bearer token.
const Audience = "corfed"

// Principal is the authenticated caller of a write.
type Principal struct {
	Subject string
	Role    string
	CP      string // the CP id, for RoleCP
	Scopes  []string
}

// Can reports whether p holds scope.
func (p Principal) Can(scope string) bool { return slices.Contains(p.Scopes, scope) }

func (p Principal) require(scope string) error {
	if !p.Can(scope) {
		return fmt.Errorf("token lacks scope %s: %w", scope, registry.ErrForbidden)
	}
	return nil
}

// TokenClaims is the claims set of a bearer token.
type TokenClaims struct {
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Sub   string `json:"sub"`
	Role  string `json:"role"`
	CP    string `json:"cp,omitempty"`
	Scope string `json:"scope"`
	Iat   int64  `json:"iat"`
	Nbf   int64  `json:"nbf"`
	Exp   int64  `json:"exp"`
	JTI   string `json:"jti"`
}

// TokenRequest describes a token to issue.
type TokenRequest struct {
	Role   string        // RoleAdmin or RoleCP
	CP     string        // required for RoleCP
	Scopes []string      // default: all scopes for an admin; certificates and employers for a CP
	TTL    time.Duration // default 24h, at most 90 days
}

// IssueToken signs a bearer token with the node's active key.
func (n *Node) IssueToken(req TokenRequest) (string, error) {
	return IssueToken(n.ActiveKey(), n.cfg.Jurisdiction, n.cfg.Now(), req)
}

// IssueToken signs a bearer token for jurisdiction j's node with key. It
// needs no running node: `corfed token` calls it with the key file alone.
func IssueToken(key *jose.Key, j registry.Jurisdiction, now time.Time, req TokenRequest) (string, error) {
	if req.TTL == 0 {
		req.TTL = 24 * time.Hour
	}
	if req.TTL < 0 || req.TTL > 90*24*time.Hour {
		return "", registry.Invalid("ttl", "between 1s and 90 days")
	}
	c := TokenClaims{Iss: string(j), Aud: Audience, Role: req.Role,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(req.TTL).Unix()}
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	c.JTI = hex.EncodeToString(jti[:])
	switch req.Role {
	case RoleAdmin:
		c.Sub = "admin@" + string(j)
		if req.Scopes == nil {
			req.Scopes = AllScopes
		}
	case RoleCP:
		if err := (registry.CertifyingPartner{ID: req.CP, Name: "x", Status: registry.CPActive}).Validate(); err != nil {
			return "", registry.Invalid("cp", "a CP id is 2 to 16 upper-case letters or digits")
		}
		c.CP = req.CP
		c.Sub = "cp:" + req.CP
		if req.Scopes == nil {
			req.Scopes = []string{ScopeCertificates, ScopeEmployers}
		}
	default:
		return "", registry.Invalid("role", "admin or cp")
	}
	for _, s := range req.Scopes {
		if !slices.Contains(AllScopes, s) {
			return "", registry.Invalid("scope", "unknown scope %q (one of %s)", s, strings.Join(AllScopes, ", "))
		}
	}
	c.Scope = strings.Join(req.Scopes, " ")
	return key.SignJWT(c)
}

// Authenticate verifies a bearer token against the node's own keys (active
// and retired) and returns its principal. Errors wrap
// registry.ErrUnauthenticated (missing, malformed, expired, bad signature).
func (n *Node) Authenticate(token string) (Principal, error) {
	if token == "" {
		return Principal{}, fmt.Errorf("no bearer token: %w", registry.ErrUnauthenticated)
	}
	now := n.cfg.Now()
	// A token verified before is not verified again, but its validity
	// period is checked on every use.
	if ct, ok := n.tokens.get(token); ok {
		if now.Unix() >= ct.exp || now.Add(jose.JWTSkew).Unix() < ct.nbf {
			return Principal{}, fmt.Errorf("bearer token expired or not yet valid: %w", registry.ErrUnauthenticated)
		}
		return ct.p, nil
	}
	var c TokenClaims
	if err := n.PublicKeys().VerifyJWT(token, now, string(n.cfg.Jurisdiction), Audience, &c); err != nil {
		return Principal{}, fmt.Errorf("bearer token: %v: %w", err, registry.ErrUnauthenticated)
	}
	p := Principal{Subject: c.Sub, Role: c.Role, CP: c.CP, Scopes: strings.Fields(c.Scope)}
	switch {
	case c.Role == RoleAdmin:
	case c.Role == RoleCP && c.CP != "":
	default:
		return Principal{}, fmt.Errorf("bearer token: unknown role %q: %w", c.Role, registry.ErrUnauthenticated)
	}
	n.tokens.put(token, cachedToken{p: p, exp: c.Exp, nbf: c.Nbf})
	return p, nil
}

// cachedToken is a verified bearer token's principal and validity period.
type cachedToken struct {
	p        Principal
	exp, nbf int64
}
