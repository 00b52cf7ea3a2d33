package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	ScopeAudits        = "audits:write"   // record audits (a CP: only its own)
	ScopeAuditors      = "auditors:write" // the national auditor registry and discipline (the administrator)
	ScopeReviews       = "reviews:write"  // Employer Review and removal decisions (the administrator)
	// Performance snapshots are claims data: reading them needs a scope of
	// its own (metrics built from them are public, suppressed aggregates).
	ScopeSnapshotsRead  = "snapshots:read"
	ScopeSnapshotsWrite = "snapshots:write"
	// ScopeMetrics lets a caller publish the node's signed aggregate metrics.
	ScopeMetrics = "metrics:write"
	// ScopeSubscriptions manages webhook subscriptions (program administrator).
	ScopeSubscriptions = "subscriptions:write"
)

// AllScopes lists every scope.
var AllScopes = []string{ScopeEmployers, ScopeCPs, ScopeCertificates, ScopeEquivalencies, ScopeRules,
	ScopeSnapshotsRead, ScopeSnapshotsWrite, ScopeMetrics, ScopeAudits, ScopeAuditors, ScopeReviews, ScopeSubscriptions}

// CPScopes are the scopes a CP's token may hold: its own employers,
// certificates and audits. Every other write is the program
// administrator's (a CP's token with another scope could only be refused
// by the role checks, or, for claims data, which the feed's CP checks do
// not guard, get past them).
var CPScopes = []string{ScopeCertificates, ScopeEmployers, ScopeAudits}

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
	TokenID string // the token's jti: what `corfed token revoke` names
}

// Author is what a signed version records of the principal that made it.
func (p Principal) Author() *registry.Author {
	if p.Role == "" {
		return nil
	}
	return &registry.Author{Role: p.Role, CP: p.CP, Token: p.TokenID}
}

// Can reports whether p holds scope.
func (p Principal) Can(scope string) bool { return slices.Contains(p.Scopes, scope) }

// CanImport is nil if p may import (Import needs both scopes), else the
// error Import would return: for a caller to refuse before it parses a
// file.
func (p Principal) CanImport() error {
	if err := p.require(ScopeEmployers); err != nil {
		return err
	}
	return p.require(ScopeCertificates)
}

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
			req.Scopes = CPScopes
		}
	default:
		return "", registry.Invalid("role", "admin or cp")
	}
	for _, s := range req.Scopes {
		if !slices.Contains(AllScopes, s) {
			return "", registry.Invalid("scope", "unknown scope %q (one of %s)", s, strings.Join(AllScopes, ", "))
		}
		if req.Role == RoleCP && !slices.Contains(CPScopes, s) {
			return "", registry.Invalid("scope", "scope %q is the program administrator's; a CP's token holds only %s", s, strings.Join(CPScopes, ", "))
		}
	}
	c.Scope = strings.Join(req.Scopes, " ")
	return key.SignJWT(c)
}

// DefaultMaxTokenTTL is the longest lifetime (exp - iat) of a token the
// node accepts when Config.MaxTokenTTL is zero: what `corfed token` issues
// at most.
const DefaultMaxTokenTTL = 90 * 24 * time.Hour

// Authenticate verifies a bearer token and returns its principal. Only the
// node's ACTIVE key authenticates: a token signed by a retired key (one
// rotated out, perhaps because it leaked) is refused, though that key
// still verifies the entries it signed. The token's lifetime must not
// exceed Config.MaxTokenTTL, and its jti must not be revoked
// (Config.Revoked, checked on every use). Errors wrap
// registry.ErrUnauthenticated (missing, malformed, expired, too long-lived,
// revoked, bad signature, retired key).
func (n *Node) Authenticate(token string) (Principal, error) {
	if token == "" {
		return Principal{}, fmt.Errorf("no bearer token: %w", registry.ErrUnauthenticated)
	}
	now := n.cfg.Now()
	// A token verified before is not verified again (the cache is cleared
	// when the keys change), but its validity period and revocation are
	// checked on every use.
	ct, ok := n.tokens.get(token)
	if !ok {
		var c TokenClaims
		n.mu.RLock()
		keys := n.tokenKeys
		n.mu.RUnlock()
		if err := keys.VerifyJWT(token, now, string(n.cfg.Jurisdiction), Audience, &c); err != nil {
			if errors.Is(err, jose.ErrTokenTime) {
				// Signed by the active key, used outside its validity
				// period: said as the cached path says it, whether or not
				// the node saw the token while it was valid.
				return Principal{}, fmt.Errorf("bearer token expired or not yet valid (%v): %w", err, registry.ErrUnauthenticated)
			}
			return Principal{}, fmt.Errorf("bearer token: %v (only the node's active key authenticates): %w", err, registry.ErrUnauthenticated)
		}
		if max := n.maxTokenTTL(); c.Iat == 0 || c.Exp-c.Iat > int64(max/time.Second) {
			return Principal{}, fmt.Errorf("bearer token: lifetime over this node's limit of %s: %w", max, registry.ErrUnauthenticated)
		}
		if c.JTI == "" {
			return Principal{}, fmt.Errorf("bearer token: no jti: %w", registry.ErrUnauthenticated)
		}
		p := Principal{Subject: c.Sub, Role: c.Role, CP: c.CP, Scopes: strings.Fields(c.Scope), TokenID: c.JTI}
		switch {
		case c.Role == RoleAdmin:
		case c.Role == RoleCP && c.CP != "":
		default:
			return Principal{}, fmt.Errorf("bearer token: unknown role %q: %w", c.Role, registry.ErrUnauthenticated)
		}
		ct = cachedToken{p: p, exp: c.Exp, nbf: c.Nbf}
		// Kept only while the keys it was verified with are the token
		// keys: a verification that began before SetKeys and ends after it
		// must not put a token of the retired key back into the cache that
		// SetKeys cleared (under n.mu, as here).
		n.mu.RLock()
		if n.tokenKeys == keys {
			n.tokens.put(token, ct)
		}
		n.mu.RUnlock()
	}
	if now.Unix() >= ct.exp || now.Add(jose.JWTSkew).Unix() < ct.nbf {
		return Principal{}, fmt.Errorf("bearer token expired or not yet valid: %w", registry.ErrUnauthenticated)
	}
	if n.cfg.Revoked != nil && n.cfg.Revoked(ct.p.TokenID) {
		return Principal{}, fmt.Errorf("bearer token %s is revoked: %w", ct.p.TokenID, registry.ErrUnauthenticated)
	}
	return ct.p, nil
}

func (n *Node) maxTokenTTL() time.Duration {
	if n.cfg.MaxTokenTTL > 0 {
		return n.cfg.MaxTokenTTL
	}
	return DefaultMaxTokenTTL
}

// cachedToken is a verified bearer token's principal and validity period.
type cachedToken struct {
	p        Principal
	exp, nbf int64
}

// SetKeys replaces the node's keyring with ring, read again from its file
// after `corfed keygen --rotate`: the node signs with ring's active key
// from now on, announces the keys its feed has not announced, and forgets
// the tokens it verified (only the new active key authenticates). ring must
// hold every key the node has (old entries must keep verifying).
func (n *Node) SetKeys(ctx context.Context, ring *jose.Keyring) error {
	if ring == nil || ring.Active() == nil {
		return fmt.Errorf("node: no active signing key: %w", registry.ErrInvalid)
	}
	n.mu.RLock()
	for _, k := range n.keys.Keys {
		if _, ok := ring.PublicSet().Lookup(k.KID); !ok {
			n.mu.RUnlock()
			return fmt.Errorf("node: the new keyring lacks key %s, which signed entries of the feed: %w", k.KID, registry.ErrInvalid)
		}
	}
	n.mu.RUnlock()
	// Announce first, then sign with the new key: a write signed by a key
	// before the entry announcing it is refused by every follower that
	// pins the old key, and the feed cannot change, so their syncs would
	// stop there for good. Writes in between are signed by the old key,
	// which followers still trust.
	if err := n.announceRing(ctx, ring.Keys); err != nil {
		return err
	}
	n.mu.Lock()
	n.keys = ring
	n.tokenKeys = jose.NewKeySet(ring.Active().Public())
	n.tokens.clear()
	n.mu.Unlock()
	return nil
}
