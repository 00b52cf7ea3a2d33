package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
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
	// LogStatus is the certificate's status today in its issuer's log as
	// the checking node holds it (Passes.CheckPass); "" when not checked.
	// ListStatus is then what the status list said: Status is the worse.
	LogStatus  string
	ListStatus byte
	// NoList says why no status list was read (it could not be had) when
	// the log's status alone decided: one that bars the pass (suspended,
	// revoked, cancelled, expired, superseded). List is then empty, and
	// ListStatus is the log's.
	NoList string

	// checked is set by CheckPass when every check passed: a zero
	// PassCheck, or one returned with an error, does not hold even though
	// its Status reads as statuslist.Valid (0).
	checked bool
}

// Holds reports whether the pass holds: verified, its status read from a
// verified list, and valid there. Only a PassCheck that CheckPass returned
// without an error can hold.
func (c PassCheck) Holds() bool { return c.checked && c.Status == statuslist.Valid }

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
			c.StaleWhy = "no fresher one was given"
		}
	}
	c.checked = true
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
		return p.peerStatus(ctx, iss, uri)
	}
}

// How long a peer's verified status list is used before it is fetched
// again (or less: its own ttl), and how long a failed fetch is not tried
// again. Every pass a node checks for a peer's certificate would otherwise
// fetch the peer's whole list: anyone asking the node to check passes
// would make it ask the peer as often.
const (
	peerListReuse = time.Minute
	peerListRetry = 5 * time.Second
)

// peerList is a peer's status list as this node last fetched it.
type peerList struct {
	uri   string
	tok   string // verified against the peer's pinned keys when fetched
	iat   time.Time
	size  uint64    // the log size tok reflects (statuslist.Token.LogSize)
	until time.Time // fetched again from then: min(fetch + peerListReuse, iat + ttl)

	fetching chan struct{} // closed when the fetch in flight ends; nil when none
	err      error         // the last fetch's failure, kept until errUntil
	errUntil time.Time
}

// peerStatus gives the status list of peer iss at uri: the one held while
// it is recent, else one fetched now. At most one fetch per peer runs at a
// time (concurrent checks wait for it). A fetched list is verified against
// the peer's pinned keys before it is kept, and one made before the list
// held is refused (nothing between the node and the peer can roll a status
// back to an earlier list). When the fetch fails, the list held (if any)
// answers, with why it is not fresh; CheckPass says whether it is past its
// ttl.
func (p *Passes) peerStatus(ctx context.Context, iss registry.Jurisdiction, uri string) (string, string, error) {
	for {
		now := p.l.fed.Node().Now()
		p.pmu.Lock()
		if p.peers == nil {
			p.peers = map[registry.Jurisdiction]*peerList{}
		}
		pl := p.peers[iss]
		if pl == nil || pl.uri != uri {
			pl = &peerList{uri: uri}
			p.peers[iss] = pl
		}
		switch {
		case pl.tok != "" && now.Before(pl.until):
			tok := pl.tok
			p.pmu.Unlock()
			return tok, "", nil
		case pl.err != nil && now.Before(pl.errUntil):
			tok, err := pl.tok, pl.err
			p.pmu.Unlock()
			if tok == "" {
				return "", "", err
			}
			return tok, fmt.Sprintf("a fresh list could not be fetched: %v", err), nil
		case pl.fetching != nil:
			wait := pl.fetching
			p.pmu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return "", "", ctx.Err()
			}
		}
		done := make(chan struct{})
		pl.fetching = done
		held, heldList := pl.tok, statuslist.Token{Iat: pl.iat, LogSize: pl.size}
		p.pmu.Unlock()

		tok, t, err := p.fetchPeerList(ctx, iss, uri, held, heldList, now)
		p.pmu.Lock()
		pl.fetching = nil
		close(done)
		switch {
		case err == nil:
			pl.tok, pl.iat, pl.size, pl.err = tok, t.Iat, t.LogSize, nil
			pl.until = now.Add(peerListReuse)
			if end := t.Iat.Add(t.TTL); end.Before(pl.until) {
				pl.until = end
			}
		case ctx.Err() == nil:
			// A failure of this caller's own (it went away) says nothing of
			// the peer: only the peer's are remembered.
			pl.err, pl.errUntil = err, now.Add(peerListRetry)
		}
		p.pmu.Unlock()
		switch {
		case err == nil:
			return tok, "", nil
		case held != "":
			return held, fmt.Sprintf("a fresh list could not be fetched: %v", err), nil
		}
		return "", "", err
	}
}

// fetchPeerList fetches peer iss's status list from uri and verifies it
// against the peer's pinned keys; one that cannot replace the list held
// (held, whose claims are heldList) is refused: made before it, or another
// of the same second and log size (unless the one held is dated in the
// future), or already stale when served (statuslist.CheckFetched,
// CheckReplaces).
func (p *Passes) fetchPeerList(ctx context.Context, iss registry.Jurisdiction, uri, held string, heldList statuslist.Token, now time.Time) (string, statuslist.Token, error) {
	tok, err := fetchStatusList(ctx, p.l.fed.client, uri)
	if err != nil {
		return "", statuslist.Token{}, err
	}
	ks, ok := p.l.fed.KeySet(iss)
	if !ok {
		return "", statuslist.Token{}, fmt.Errorf("%s has no pinned keys: %w", iss, registry.ErrUnverified)
	}
	t, err := statuslist.Verify(ks, tok, iss, uri)
	if err != nil {
		return "", statuslist.Token{}, err
	}
	if err := statuslist.CheckFetched(t, now); err != nil {
		return "", statuslist.Token{}, fmt.Errorf("%s: %w", iss, err)
	}
	if err := statuslist.CheckReplaces(t, tok, heldList, held, now); err != nil {
		return "", statuslist.Token{}, fmt.Errorf("%s: %w", iss, err)
	}
	return tok, t, nil
}

// ErrPassNotInLog is wrapped, beside registry.ErrUnverified, when a pass
// whose signature verifies says something its issuer's log does not: a
// pass made with a key that leaked (a retired one, say) for a certificate
// that does not exist, or for another employer or status slot than the
// log's. Only a node holding the issuer's log can tell.
var ErrPassNotInLog = errors.New("the pass does not match its issuer's log")

// ErrNotReplicated is wrapped, beside registry.ErrUnavailable, when the
// entry a pass rests on is not in the checking node's copy of its
// issuer's log yet.
var ErrNotReplicated = errors.New("not replicated yet")

// ErrPassSuperseded is wrapped, beside registry.ErrConflict, when a pass
// rests on a version of its certificate the issuer has since corrected
// (scope, accounts): it shows what the registry no longer says.
var ErrPassSuperseded = errors.New("the certificate changed since the pass was issued")

// CheckPass checks a pass as the node sees it now (see CheckPass), then
// against the issuer's log as the node holds it (its own, or its verified
// replica of a member's): the entry at the pass's seq must be the
// certificate version the pass names, with that leaf hash, number,
// program, employer, dates and scope, and the newest version must still
// say the same (else, while the certificate is active or pending,
// ErrPassSuperseded: ask for a new pass); the
// employer's name must be the one its record had when the pass was
// issued (or just after); the node's own passes must name the status
// slot the node gave the certificate; and the certificate's status in the
// log counts beside the status list's, the worse of the two holding (a
// forged pass may point at another certificate's slot). Where the copy
// of the log is behind the list and the two disagree, or the pass's entry
// is not replicated yet, it does not hold (ErrNotReplicated: try again
// after a sync). A pass the log contradicts is ErrPassNotInLog even when
// its status list could not be read. When the list cannot be had, or the
// pass rests on a corrected version, a log that says the certificate is
// suspended or no longer valid is enough: the check holds that status
// (NoList says why no list was read); only a log that says active or
// pending leaves the list's error (nothing can be said) or
// ErrPassSuperseded.
func (p *Passes) CheckPass(ctx context.Context, text string) (PassCheck, error) {
	n := p.l.fed.Node()
	c, listErr := CheckPass(ctx, text, p.l.fed.KeySet, p.StatusSource(), n.Now())
	if c.Pass.CertificateID == "" {
		return c, listErr // the signature did not verify: nothing to look up
	}
	c.checked = false
	ps := c.Pass
	var logStatus string
	var logSize uint64
	var superseded error
	err := n.View(ctx, func(s node.Snapshot) error {
		l := n.LogOf(s, ps.Iss)
		logSize = l.Size()
		if ps.Seq == 0 || ps.Seq > logSize {
			return fmt.Errorf("%w: entry %d of %s's log is not in this node's copy (%d entries); try again after its next sync: %w",
				ErrNotReplicated, ps.Seq, ps.Iss, logSize, registry.ErrUnavailable)
		}
		e, err := l.Entry(ps.Seq)
		if err != nil {
			return err
		}
		if h := tlog.RecordHash([]byte(e.JWS)); len(ps.LeafHash) == 0 || !bytes.Equal(h[:len(ps.LeafHash)], ps.LeafHash) {
			return notInLog("entry %d of %s's log has another leaf hash", ps.Seq, ps.Iss)
		}
		if e.Kind != registry.KindCertificate || e.ID != ps.CertificateID {
			return notInLog("entry %d of %s's log is %s %s, not certificate %s", ps.Seq, ps.Iss, e.Kind, e.ID, ps.CertificateID)
		}
		cert, err := node.Decode[registry.Certificate](e)
		if err != nil {
			return err
		}
		if !passSays(ps, cert) {
			return notInLog("certificate %s v%d in %s's log is %s %s of BN %s, %s to %s, scope %q: not what the pass says",
				cert.ID, e.Ver, ps.Iss, cert.Program, cert.Number, cert.EmployerBN, cert.IssuedOn, cert.ExpiresOn, pass.Scope(cert))
		}
		if err := employerNamed(l, ps); err != nil {
			return err
		}
		latest, err := l.Latest(registry.KindCertificate, ps.CertificateID)
		if err != nil {
			return err
		}
		lc, err := node.Decode[registry.Certificate](latest)
		if err != nil {
			return err
		}
		logStatus = node.StatusOnDate(lc, node.TodayIn(ps.Iss, n.Now()))
		if !passSays(ps, lc) {
			superseded = fmt.Errorf("%w: certificate %s is at version %d, with scope %q; the pass rests on version %d: ask its registry for a new pass: %w",
				ErrPassSuperseded, lc.ID, latest.Ver, pass.Scope(lc), e.Ver, registry.ErrConflict)
		}
		if ps.Iss == n.Jurisdiction() { // the node gave the slots: read, never assign, one here
			idx, ok, err := node.StatusIndexIn(s.Self(), ps.CertificateID)
			if err != nil {
				return err
			}
			if !ok || idx != ps.StatusIdx {
				return notInLog("certificate %s has no status slot %d", ps.CertificateID, ps.StatusIdx)
			}
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	logValue := statuslist.Of(logStatus)
	// A certificate its log says is suspended, revoked, cancelled, expired
	// or superseded has no pass that holds, whatever the pass rests on and
	// whether or not its status list can be had: the node's verified copy
	// of the log says so. Only while the log says active (or pending) is a
	// pass of a corrected version to be replaced by a new one, and a
	// missing list leaves nothing to be said.
	barred := severity(logValue) >= severity(statuslist.Suspended)
	if superseded != nil && !barred {
		return c, superseded
	}
	if listErr != nil {
		if !barred {
			return c, listErr
		}
		return PassCheck{Pass: c.Pass, Status: logValue, LogStatus: logStatus, ListStatus: logValue,
			NoList: listErr.Error(), checked: true}, nil
	}
	c.LogStatus, c.ListStatus = logStatus, c.Status
	if c.List.LogSize > logSize && logValue != statuslist.Invalid && severity(logValue) > severity(c.Status) {
		// The list reflects entries this copy does not hold and says
		// better than the log: a lifted suspension, or a forged pass at
		// another certificate's slot, cannot be told apart until the next
		// sync. (Invalid is final: nothing lifts it.)
		return c, fmt.Errorf("%w: %s's status list (log size %d) says %s, this node's copy of its log (%d entries) says %s; try again after its next sync: %w",
			ErrNotReplicated, ps.Iss, c.List.LogSize, statuslist.Name(c.Status), logSize, logStatus, registry.ErrUnavailable)
	}
	if severity(logValue) > severity(c.Status) {
		c.Status = logValue
	}
	c.checked = true
	return c, nil
}

// passSays reports whether certificate version c says what pass ps does.
func passSays(ps pass.Pass, c registry.Certificate) bool {
	return c.Number == ps.Number && c.Program == ps.Program && c.EmployerBN == ps.EmployerBN &&
		c.IssuedOn == ps.IssuedOn && c.ExpiresOn == ps.ExpiresOn && pass.ScopeFits(c, ps.Scope)
}

// severity orders status list values from valid to invalid.
func severity(v byte) int {
	switch v {
	case statuslist.Valid:
		return 0
	case statuslist.Pending:
		return 1
	case statuslist.Suspended:
		return 2
	}
	return 3
}

func notInLog(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w", ErrPassNotInLog, fmt.Sprintf(format, args...), registry.ErrUnverified)
}

// maxNameVersions bounds the employer versions of one second a pass's
// name is looked for in.
const maxNameVersions = 256

// employerNamed checks that the employer's name in pass ps is its legal
// name, as Encode shortens it, in one of the employer's versions around
// the pass's issue: the one in force before its second, those made in it
// (iat has whole seconds) and the next (versions are in log order, so
// binary searches find them); or its BN where the log has no employer
// record.
func employerNamed(l registry.Log, ps pass.Pass) error {
	bn, name := ps.EmployerBN, ps.EmployerName
	latest, err := l.Latest(registry.KindEmployer, bn)
	if errors.Is(err, registry.ErrNotFound) {
		if name == bn {
			return nil
		}
		return notInLog("employer %s is not in the log, and the pass names it %q", bn, name)
	}
	if err != nil {
		return err
	}
	version := func(v uint64) (registry.Entry, error) {
		if v == latest.Ver {
			return latest, nil
		}
		return l.Version(registry.KindEmployer, bn, v)
	}
	at := ps.IssuedAt.Unix()
	search := func(after func(e registry.Entry) bool) (uint64, error) { // the first v with after(v), or latest.Ver+1
		lo, hi := uint64(1), latest.Ver+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			e, err := version(mid)
			if err != nil {
				return 0, err
			}
			if after(e) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		return lo, nil
	}
	first, err := search(func(e registry.Entry) bool { return e.Iat >= at })
	if err != nil {
		return err
	}
	last, err := search(func(e registry.Entry) bool { return e.Iat > at })
	if err != nil {
		return err
	}
	from, to := max(first, 2)-1, min(last, latest.Ver)
	if to-from >= maxNameVersions {
		from = to - maxNameVersions + 1 // a second with more versions than that: the newest of them
	}
	for v := from; v <= to; v++ {
		e, err := version(v)
		if err != nil {
			return err
		}
		emp, err := node.Decode[registry.Employer](e)
		if err != nil {
			return err
		}
		if pass.NameFits(emp.LegalName, name) {
			return nil
		}
	}
	return notInLog("employer %s was not named %q when the pass was issued", bn, name)
}
