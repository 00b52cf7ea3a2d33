package federation

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// PassCheck is the outcome of checking a pass: the verified pass, and its
// status in its issuer's status list.
type PassCheck struct {
	Pass pass.Pass
	// Status is the status list value at the pass's index
	// (statuslist.Valid, Invalid, Suspended or Pending).
	Status byte
	// List is the status list token the status was read from.
	List statuslist.Token
	// Stale is true when the list was past its ttl when used (a fresh one
	// could not be had); StaleWhy says why no fresh one was used.
	Stale    bool
	StaleWhy string
}

// Holds reports whether the pass holds: verified and valid in the list.
func (c PassCheck) Holds() bool { return c.Status == statuslist.Valid }

// StatusSource gives the status list token of a jurisdiction: fresh when it
// can (fetched now, or served by the node itself), else a cached one with
// why it is not fresh. uri is the list's URL as the verified pass names it.
type StatusSource func(ctx context.Context, iss registry.Jurisdiction, uri string) (token, staleWhy string, err error)

// CheckPass verifies a pass against the pinned keys (pass.Verify), then its
// status: it gets the issuer's status list from src, verifies it against
// the same issuer's pinned keys (typ statuslist+jwt, iss, sub equal to the
// pass's uri), refuses an expired list and an index outside the list, and
// reads the status. A list past its ttl is used, and the result says so.
func CheckPass(ctx context.Context, text string, keys KeysFunc, src StatusSource, now time.Time) (PassCheck, error) {
	var c PassCheck
	p, err := pass.Verify(text, pass.KeysFunc(keys), now)
	if err != nil {
		return c, err
	}
	c.Pass = p
	token, why, err := src(ctx, p.Iss, p.StatusURI)
	if err != nil {
		return c, fmt.Errorf("status list of %s: %w", p.Iss, err)
	}
	ks, _ := keys(p.Iss)
	t, err := statuslist.Verify(ks, token, p.Iss, p.StatusURI)
	if err != nil {
		return c, err
	}
	if t.Expired(now) {
		return c, fmt.Errorf("the status list of %s made %s expired at %s; no statement about the pass can be made: %w",
			p.Iss, t.Iat.Format(time.RFC3339), t.Exp.Format(time.RFC3339), registry.ErrUnverified)
	}
	v, ok := t.List.Get(p.StatusIdx)
	if !ok {
		return c, fmt.Errorf("index %d is outside %s's status list (%d entries): %w", p.StatusIdx, p.Iss, t.List.Len(), registry.ErrUnverified)
	}
	c.Status, c.List = v, t
	if t.Stale(now) {
		c.Stale = true
		c.StaleWhy = why
		if c.StaleWhy == "" {
			c.StaleWhy = "it is the freshest one available"
		}
	}
	return c, nil
}

// StatusListURLOf is the status list URL of a member whose base URL is base.
func StatusListURLOf(base string) string { return strings.TrimRight(base, "/") + StatusListPath }

// FetchStatusList GETs a status list token from uri (the peer client's
// limits: timeout, at most 8 MiB, same-host redirects only; a non-200
// answer wraps registry.ErrUnavailable).
func FetchStatusList(ctx context.Context, uri string, timeout time.Duration) (string, error) {
	c := &peerClient{http: defaultClient(timeout), timeout: timeout}
	return fetchStatusList(ctx, c, uri)
}

func fetchStatusList(ctx context.Context, c *peerClient, uri string) (string, error) {
	var buf bytes.Buffer
	if _, err := c.get(ctx, uri, "", nil, 8<<20, &buf); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// StatusSource is how a node checks passes: its own list as it serves it;
// a peer's fetched now from the URL pinned for that peer in the federation
// (a pass naming another URL is refused, so a pass cannot make the node
// fetch anything else).
func (p *Passes) StatusSource() StatusSource {
	return func(ctx context.Context, iss registry.Jurisdiction, uri string) (string, string, error) {
		self := p.l.fed.Node().Jurisdiction()
		if iss == self {
			if uri != p.StatusListURL() {
				return "", "", fmt.Errorf("the pass names status list %q, not this node's %s: %w", uri, p.StatusListURL(), registry.ErrUnverified)
			}
			tok, _, err := p.StatusList(ctx)
			return tok, "", err
		}
		base, ok := p.l.fed.PeerURL(iss)
		if !ok || uri != StatusListURLOf(base) {
			return "", "", fmt.Errorf("the pass names status list %q, not the one of %s's pinned URL: %w", uri, iss, registry.ErrUnverified)
		}
		tok, err := fetchStatusList(ctx, p.l.fed.client, uri)
		return tok, "", err
	}
}

// CheckPass checks a pass as the node sees it now (see CheckPass).
func (p *Passes) CheckPass(ctx context.Context, text string) (PassCheck, error) {
	return CheckPass(ctx, text, p.l.fed.KeySet, p.StatusSource(), p.l.fed.Node().Now())
}
