package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// Defaults of Config.
const (
	DefaultInterval         = 30 * time.Second
	DefaultPeerTimeout      = 5 * time.Second
	DefaultMaxResponseBytes = 8 << 20
	DefaultPageSize         = 500
	DefaultSyncTimeout      = 10 * time.Minute
	DefaultLiveTimeout      = 10 * time.Second
	DefaultMaxLiveSearches  = 16
	// MaxPageSize is the largest page a node's feed serves (GET /v1/feed's
	// limit); a larger Config.PageSize is lowered to it.
	MaxPageSize = 1000
)

// Config configures a Federation. Zero fields take the defaults.
type Config struct {
	Node *node.Node
	// Trust lists the members and their pinned keys. Nil, or a file that
	// lists no member but the node itself, means no peers (a lone node).
	Trust *Trust
	// HTTPClient fetches the peers' feeds. Default: a client with dial,
	// TLS and response-header timeouts of PeerTimeout that follows
	// redirects only within the same scheme and host.
	HTTPClient *http.Client
	// Interval is how often Run syncs each peer. Default 30s.
	Interval time.Duration
	// PeerTimeout bounds each request to a peer, body included. Default 5s.
	PeerTimeout time.Duration
	// MaxResponseBytes bounds a response body; a larger one is refused as
	// an oversized response (the page is then asked for again, smaller,
	// down to one entry). Default 8 MiB.
	MaxResponseBytes int64
	// PageSize is the number of entries asked for per request. Default 500,
	// at most MaxPageSize.
	PageSize int
	// SyncTimeout bounds one whole sync of a peer, every page included.
	// Default 10 minutes.
	SyncTimeout time.Duration
	// LiveTimeout bounds one whole live search (every peer asked in
	// parallel). Default 10s.
	LiveTimeout time.Duration
	// MaxLiveSearches is how many live searches may run at once on this
	// node; one more waits for a slot until its LiveTimeout, then fails
	// with registry.ErrUnavailable. Default 16.
	MaxLiveSearches int
	// OnEvent, if set, is told of every failed sync, every entry refused
	// by verification and every peer marked misbehaving (the verdict), so
	// that the caller can log them. It must not block.
	OnEvent func(Event)
}

// Event kinds (Event.Kind).
const (
	EventSyncFailed   = "sync_failed"   // a sync stopped on an error other than a refused entry
	EventEntryRefused = "entry_refused" // an entry of the peer failed verification
	EventMisbehaving  = "misbehaving"   // the peer was marked misbehaving: the verdict
	EventReinstated   = "reinstated"    // the administrator lifted a peer's misbehaving mark (Reinstate)
)

// Event is something a peer did that the node's operator should hear of.
type Event struct {
	Peer registry.Jurisdiction
	Kind string
	Code string // ErrorCode of Err
	Err  error
}

// ErrorCode classifies a sync error for people who must not see its detail
// (anonymous callers of /v1/peers): see PeerStatus.ErrorCode.
func ErrorCode(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, registry.ErrUnverified):
		return "verification_failed"
	case errors.Is(err, registry.ErrConflict):
		return "conflict"
	case errors.Is(err, registry.ErrInvalid):
		return "malformed_answer"
	case errors.Is(err, registry.ErrUnavailable):
		return "unreachable"
	}
	return "sync_failed"
}

// Federation follows the feeds of a node's peers: it fetches each peer's
// entries, verifies them against the keys pinned for that peer, and stores
// those that pass in the peer's replica log (ReplicaLog) in the node's
// store. Safe for concurrent use.
type Federation struct {
	cfg    Config
	client *peerClient
	peers  map[registry.Jurisdiction]*peer
	order  []*peer       // sorted by jurisdiction
	live   chan struct{} // the live-search budget: one token per search running
}

// New returns the federation of cfg.Node. The node's own jurisdiction in
// cfg.Trust is the node itself, not a peer: the keys pinned for it there
// must be keys of the node (else an error wrapping registry.ErrInvalid,
// since peers would refuse what the node signs). A Trust that does not list
// the node is refused too. New reads each replica's size, rotated-in keys
// and last status from the store.
func New(cfg Config) (*Federation, error) {
	if cfg.Node == nil {
		return nil, fmt.Errorf("federation: no node: %w", registry.ErrInvalid)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.PeerTimeout <= 0 {
		cfg.PeerTimeout = DefaultPeerTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	cfg.PageSize = min(cfg.PageSize, MaxPageSize)
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = DefaultSyncTimeout
	}
	if cfg.LiveTimeout <= 0 {
		cfg.LiveTimeout = DefaultLiveTimeout
	}
	if cfg.MaxLiveSearches <= 0 {
		cfg.MaxLiveSearches = DefaultMaxLiveSearches
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultClient(cfg.PeerTimeout)
	}
	f := &Federation{cfg: cfg, client: &peerClient{http: hc, timeout: cfg.PeerTimeout}, peers: map[registry.Jurisdiction]*peer{},
		live: make(chan struct{}, cfg.MaxLiveSearches)}
	self := cfg.Node.Jurisdiction()
	if t := cfg.Trust; t != nil {
		m, ok := t.Member(self)
		if !ok {
			return nil, fmt.Errorf("federation %q does not list this node's jurisdiction %s: %w", t.Name, self, registry.ErrInvalid)
		}
		own := cfg.Node.PublicKeys()
		for _, k := range m.Keys.Keys() {
			if mine, ok := own.Lookup(k.KID); !ok || !mine.Equal(k) {
				return nil, fmt.Errorf("federation %q pins key %s for %s, which is not a key of this node (wrong key file or data directory?): %w",
					t.Name, k.KID, self, registry.ErrInvalid)
			}
		}
		for _, m := range t.Members {
			if m.Jurisdiction == self {
				continue
			}
			f.peers[m.Jurisdiction] = &peer{j: m.Jurisdiction, url: m.URL, tiles: m.Tiles, pinned: m.Keys, keys: m.Keys,
				syncing: make(chan struct{}, 1)}
		}
	}
	f.order = sortedPeers(f.peers)
	err := cfg.Node.View(context.Background(), func(s node.Snapshot) error {
		for _, p := range f.order {
			if err := p.load(s.Replica(p.j)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("federation: %w", err)
	}
	return f, nil
}

// Node returns the node the federation serves.
func (f *Federation) Node() *node.Node { return f.cfg.Node }

// Run syncs every peer now and then every Interval, until ctx is done. Each
// peer has its own loop, so a slow or failing peer never delays another.
// Errors are recorded in each peer's status (see Peers).
func (f *Federation) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range f.order {
		wg.Go(func() {
			t := time.NewTicker(f.cfg.Interval)
			defer t.Stop()
			for {
				f.Sync(ctx, p.j)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}

// SyncAll syncs every peer now, in parallel, and returns their statuses
// sorted by jurisdiction. A peer's failure is in its status.
func (f *Federation) SyncAll(ctx context.Context) []PeerStatus {
	return f.syncPeers(ctx, 0)
}

// syncPeers syncs every peer at once, except, when skipFailed > 0, those
// whose last sync failed less than skipFailed ago (their status is left as
// it is; the background sync keeps trying them).
func (f *Federation) syncPeers(ctx context.Context, skipFailed time.Duration) []PeerStatus {
	now := f.cfg.Node.Now()
	out := make([]PeerStatus, len(f.order))
	var wg sync.WaitGroup
	for i, p := range f.order {
		if skipFailed > 0 {
			if st := p.status(); st.LastError != "" && now.Sub(st.LastAttempt) < skipFailed {
				out[i] = st
				continue
			}
		}
		wg.Go(func() { out[i], _ = f.Sync(ctx, p.j) })
	}
	wg.Wait()
	return out
}

// Sync fetches peer j's entries after those already held, page by page
// until it has caught up, verifying each entry before it stores it. Only
// one sync of a peer runs at a time; a second call waits for the first, or
// until its ctx is done.
//
// The first entry that fails a check stops the sync: the entries before it
// are stored, it and those after it are not, and the returned status (and
// Peers, also after a restart) carries the reason. The error wraps
// registry.ErrUnverified (signature, key, algorithm, issuer), ErrConflict
// (a sequence gap, a version that does not follow the stored one, a peer
// whose feed shrank), ErrInvalid (a malformed answer or entry) or
// ErrUnavailable (network, timeout, an HTTP status other than 200, an
// oversized response). An unknown j, or the node's own, wraps ErrNotFound.
// A sync stopped because ctx was cancelled leaves the status as it was.
func (f *Federation) Sync(ctx context.Context, j registry.Jurisdiction) (PeerStatus, error) {
	p, ok := f.peers[j]
	if !ok {
		return PeerStatus{}, fmt.Errorf("federation: %s is not a peer of this node: %w", j, registry.ErrNotFound)
	}
	select {
	case p.syncing <- struct{}{}:
	case <-ctx.Done():
		// Another sync of j is still running; the caller gave up waiting
		// for it, and the status stays as that sync leaves it.
		return p.status(), fmt.Errorf("sync %s: waiting for the sync under way: %w (%w)", j, ctx.Err(), registry.ErrUnavailable)
	}
	defer func() { <-p.syncing }()
	start := f.cfg.Node.Now()
	p.mu.Lock()
	signed, signedBy := p.state.SignedSize, p.state.SignedBy
	p.mu.Unlock()
	sctx, cancel := context.WithTimeout(ctx, f.cfg.SyncTimeout)
	defer cancel()
	refused, err := f.syncPeer(sctx, p)
	if _, seq := p.snapshot(); err == nil && seq < signed {
		// The peer signed a larger tree before this sync began (a witness
		// relayed it), yet what this node was served ends short of it.
		err = fmt.Errorf("%s signed a tree of %d entries (relayed by %s), but the sources this node reads serve %d: entries are withheld from this node: %w",
			j, signed, signedBy, seq, registry.ErrConflict)
	}
	if err != nil {
		err = fmt.Errorf("sync %s: %w", j, err)
	}
	if err != nil && !refused && errors.Is(ctx.Err(), context.Canceled) {
		// The caller gave up (a shutdown, a client gone): the peer did
		// nothing wrong, so its status stays as it was.
		return p.status(), err
	}
	p.mu.Lock()
	p.state.LastAttempt = start
	if err == nil {
		p.state.LastSuccess, p.state.LastError, p.state.ErrorCode = f.cfg.Node.Now(), "", ""
	} else {
		p.state.LastError, p.state.ErrorCode = err.Error(), ErrorCode(err)
	}
	if refused {
		p.state.Refused++
	}
	code := p.state.ErrorCode
	p.mu.Unlock()
	if err != nil && f.cfg.OnEvent != nil {
		kind := EventSyncFailed
		if refused {
			kind = EventEntryRefused
		}
		f.cfg.OnEvent(Event{Peer: j, Kind: kind, Code: code, Err: err})
	}
	// Persist even when ctx is done: the status says why the sync stopped.
	if merr := f.saveState(ctx, p); merr != nil && err == nil {
		err = fmt.Errorf("sync %s: save status: %w", j, merr)
	}
	return p.status(), err
}

// saveState writes p's state to its replica's meta area, even when ctx
// is done.
func (f *Federation) saveState(ctx context.Context, p *peer) error {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	p.mu.Lock()
	raw, err := json.Marshal(p.state)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	return f.cfg.Node.UpdateReplica(context.WithoutCancel(ctx), p.j, func(w node.ReplicaWriter) error {
		return w.SetMeta(metaStatus, raw)
	})
}

// syncPeer runs the pages of one sync. refused reports whether an entry
// was refused (as opposed to the peer not answering properly).
//
// It is a pipeline of three stages, one page in each: while a page is
// checked in order and stored here, the next one's signatures are being
// checked (see pipeline) and the one after it fetched, on the guess that
// every entry will pass. If one does not, the sync stops and the pages
// ahead are dropped.
func (f *Federation) syncPeer(ctx context.Context, p *peer) (refused bool, err error) {
	if m := p.misbehaviour(); m != nil {
		return false, refuseMisbehaving(p, m)
	}
	refused, err = f.syncSources(ctx, p)
	var me *misbehaviourError
	if !errors.As(err, &me) {
		// Entries stored before a failure count too: the replica may
		// have reached a witnessed checkpoint noted while it was behind.
		if werr := f.checkNotedWitnessed(ctx, p); werr != nil && (err == nil || errors.As(werr, &me)) {
			err = werr
		}
	}
	if errors.As(err, &me) {
		if merr := f.markMisbehaving(ctx, p, me.m, "sync"); merr != nil {
			return true, fmt.Errorf("%w (and recording it failed: %v)", err, merr)
		}
		return true, fmt.Errorf("%w: %s is now marked misbehaving and its entries are refused", err, p.j)
	}
	return refused, err
}

// syncPages runs the pages of one sync, with the checks of the peer's
// history (see consistency.go): the checkpoint fetched and checked while
// the first page is on its way, each page checked against it in its
// transaction, and a fresh checkpoint if the pages went past it.
//
// The pages are a pipeline of three stages, one page in each: while a page is
// checked in order and stored here, the next one's signatures are being
// checked (see pipeline) and the one after it fetched, on the guess that
// every entry will pass. If one does not, the sync stops and the pages
// ahead are dropped.
func (f *Federation) syncPages(ctx context.Context, p *peer) (refused bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	keys, after := p.snapshot()
	pages := f.pipeline(ctx, p, after)
	defer func() {
		cancel()
		for range pages { // wait for the stages to end: nothing runs behind us
		}
	}()
	// A peer whose feed fails too is reported for its feed, the first
	// thing a follower reads.
	feedFirst := func(err error) error {
		if page, ok := <-pages; ok && page.err != nil {
			return page.err
		}
		return err
	}
	cpJWS, err := f.fetchCheckpointJWS(ctx, p)
	if err != nil {
		return false, feedFirst(err)
	}
	// A checkpoint signed by a key that the pages are about to rotate in
	// cannot be verified yet: it is then checked after the pages, against
	// everything they stored (without the per-page rollback).
	// Any other failure to verify it (a bad signature, another origin)
	// ends the sync before a page is stored.
	var cp *logproof.Signed
	if c, err := verifyCheckpoint(keys, p.j, cpJWS); err == nil {
		if err := f.checkCheckpoint(ctx, p, c); err != nil {
			return false, err
		}
		cp = &c
	} else if !errors.Is(err, jose.ErrUnknownKey) {
		return false, feedFirst(err)
	}
	stored := false
	for page := range pages {
		if page.err != nil {
			return false, page.err
		}
		if _, seq := p.snapshot(); page.after != seq { // cannot happen: a page stores all its entries or fails
			return false, fmt.Errorf("page after seq %d, but the replica holds %d entries", page.after, seq)
		}
		if cp == nil && stored {
			// The pages stored so far may have rotated the key in: from
			// the page where the checkpoint verifies, pages are checked
			// against it again.
			now, _ := p.snapshot()
			if c, err := verifyCheckpoint(now, p.j, cpJWS); err == nil {
				if err := f.checkCheckpoint(ctx, p, c); err != nil {
					return false, err
				}
				cp = &c
			} else if !errors.Is(err, jose.ErrUnknownKey) {
				return false, err
			}
		}
		if refused, err := f.syncPage(ctx, p, page, cp); err != nil {
			return refused, err
		}
		stored = true
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%w: %w", registry.ErrUnavailable, err)
	}
	keys, seq := p.snapshot()
	if cp == nil {
		c, err := verifyCheckpoint(keys, p.j, cpJWS)
		if err != nil {
			return false, err
		}
		if err := f.checkCheckpoint(ctx, p, c); err != nil {
			return false, err
		}
		cp = &c
	}
	if seq > cp.Size {
		// The peer grew while we read: cover the replica with a checkpoint
		// of its own size or more.
		jws, err := f.fetchCheckpointJWS(ctx, p)
		if err != nil {
			return false, err
		}
		c, err := verifyCheckpoint(keys, p.j, jws)
		if err != nil {
			return false, err
		}
		if err := f.checkCheckpoint(ctx, p, c); err != nil {
			return false, err
		}
		if c.Size < seq {
			// A node signs its checkpoint at its current size: an older
			// one leaves entries unchecked against any tree the peer
			// signed. The next sync checks them against its checkpoint.
			return false, fmt.Errorf("the peer's checkpoint of size %d, fetched after its feed served %d entries, does not cover them: %w", c.Size, seq, registry.ErrUnverified)
		}
	}
	return false, nil
}

// maxOversizedRetries bounds the oversized answers one sync reads (each at
// most MaxResponseBytes+1 bytes, then dropped): enough to halve the
// largest page down to one entry (MaxPageSize 1000: 10 halvings), and no
// more, so a peer that always answers too much costs a bounded number of
// bytes per sync.
const maxOversizedRetries = 10

// fetched is a page as fetched, with its signatures checked ahead.
type fetched struct {
	after uint64
	pg    *feedPage
	err   error
	// spec holds VerifyEntry's answer for each entry of pg against
	// specKeys, the keys trusted for the peer when the page's signatures
	// were checked. A peer's key set only grows, and a kid never changes
	// its key, so an entry that verifies against specKeys verifies against
	// the keys of its place in the sequence too; one that does not is
	// checked again, in order, if keys were added since (see verifyPage).
	spec     []verifyResult
	specKeys *jose.KeySet
}

// pipeline fetches the pages of peer p after seq after, one after
// another, and checks their signatures (the costly part of verification,
// spread over the CPUs) while the pages before them are checked in order
// and stored. It ends after a page that reaches the size the peer
// reported, after an error (sent as the last page), or when ctx is done;
// the channel is closed once both stages have ended.
//
// A response over MaxResponseBytes is asked for again with half the
// entries, down to one, and the smaller page size is kept for the rest of
// the sync; the bytes spent on oversized answers are bounded by
// maxOversizedRetries answers per sync.
func (f *Federation) pipeline(ctx context.Context, p *peer, after uint64) <-chan fetched {
	raw, out := make(chan fetched), make(chan fetched)
	go func() {
		defer close(raw)
		limit := f.cfg.PageSize
		var buf bytes.Buffer // reused for every page of this sync
		retries := 0
		for {
			pg, err := f.fetchPage(ctx, p, after, limit, &buf)
			if errors.Is(err, errOversized) && limit > 1 && retries < maxOversizedRetries {
				limit /= 2 // big records: ask for fewer per page
				retries++
				continue
			}
			select {
			case raw <- fetched{after: after, pg: pg, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			n := uint64(len(pg.Entries))
			if n == 0 || after+n >= pg.Size {
				return
			}
			after += n
		}
	}()
	go func() {
		defer close(out)
		for page := range raw {
			if ctx.Err() != nil {
				continue // drain: the fetcher ends on its own
			}
			if page.err == nil {
				page.specKeys, _ = p.snapshot()
				page.spec = verifyAll(page.specKeys, p.j, page.pg.Entries)
			}
			select {
			case out <- page:
			case <-ctx.Done():
			}
		}
	}()
	return out
}

// syncPage checks one fetched page and stores what passes, checked against
// cp, the peer's checkpoint of this sync. refused reports whether an entry
// was refused.
func (f *Federation) syncPage(ctx context.Context, p *peer, page fetched, cp *logproof.Signed) (refused bool, err error) {
	after, pg := page.after, page.pg
	p.mu.Lock()
	p.state.PeerSize = pg.Size
	p.mu.Unlock()
	if pg.Size < after {
		return false, fmt.Errorf("the peer reports %d entries, but %d verified entries of its feed are stored here: a feed never shrinks: %w",
			pg.Size, after, registry.ErrConflict)
	}
	if len(pg.Entries) == 0 && pg.Size > after {
		return false, fmt.Errorf("the peer reports %d entries but sent none after seq %d: %w", pg.Size, after, registry.ErrInvalid)
	}
	if n := uint64(len(pg.Entries)); after+n > pg.Size {
		return false, fmt.Errorf("the peer reports %d entries but sent %d after seq %d: %w", pg.Size, n, after, registry.ErrInvalid)
	}
	res, err := f.verifyPage(ctx, p, page)
	if err != nil {
		return false, err
	}
	end := after + uint64(len(res.entries))
	pc, err := f.preparePage(ctx, p, cp, after, end)
	if err != nil {
		return false, err
	}
	if err := f.storePage(ctx, p, res, pc, after); err != nil {
		return false, err
	}
	if res.err != nil {
		return true, res.err
	}
	return false, nil
}

// feedPage is a peer's answer to GET /v1/feed. Only each entry's JWS is
// read: everything else about an entry comes from its signed payload.
type feedPage struct {
	Jurisdiction registry.Jurisdiction
	Size         uint64
	Entries      []feedEntry
	Next         uint64
}

// feedEntry is one entry of a page: its JWS.
type feedEntry struct {
	JWS string
}

// The members of a page, and of its entries. The unsigned copies of the
// envelope's fields beside an entry's JWS are allowed (unknown members are
// refused), checked as JSON and skipped unread.
var (
	feedPageMembers  = []string{"jurisdiction", "size", "entries", "next"}
	feedEntryMembers = []string{"iss", "seq", "kind", "id", "ver", "iat", "by", "record", "jws"}
)

// decodeFeedPage decodes a page as strictly as strictjson.DecodeSchema
// would decode it into a struct of these members (the fuzz test
// FuzzDecodeFeedPage holds it to that), in one pass with a
// strictjson.Scanner: a follower decodes every page it syncs, and the
// four passes of DecodeSchema over the skipped members cost about a
// tenth of its time outside signature checks.
func decodeFeedPage(data []byte) (*feedPage, error) {
	sc, err := strictjson.NewScanner(data)
	if err != nil {
		return nil, err
	}
	defer sc.Release()
	var pg feedPage
	err = sc.Object(feedPageMembers, func(name []byte) error {
		var err error
		switch string(name) {
		case "jurisdiction":
			var j string
			j, err = sc.String()
			pg.Jurisdiction = registry.Jurisdiction(j)
		case "size":
			pg.Size, err = sc.Uint64()
		case "next":
			pg.Next, err = sc.Uint64()
		case "entries":
			pg.Entries = make([]feedEntry, 0, 64)
			err = sc.Array(func() error {
				if len(pg.Entries) == MaxPageSize {
					// No node serves more: refuse before a hostile page of
					// empty objects makes us hold millions of entries.
					return fmt.Errorf("more than %d entries", MaxPageSize)
				}
				var e feedEntry
				err := sc.Object(feedEntryMembers, func(name []byte) error {
					if string(name) == "jws" {
						var err error
						e.JWS, err = sc.String()
						return err
					}
					return sc.Skip()
				})
				pg.Entries = append(pg.Entries, e)
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := sc.End(); err != nil {
		return nil, err
	}
	return &pg, nil
}

// fetchPage asks peer p for up to limit entries after seq after. It reads
// the answer into buf, which it may reuse once fetchPage returns.
func (f *Federation) fetchPage(ctx context.Context, p *peer, after uint64, limit int, buf *bytes.Buffer) (*feedPage, error) {
	q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(limit)}}
	u, err := f.client.get(ctx, p.url, "v1/feed", q, f.cfg.MaxResponseBytes, buf)
	if errors.Is(err, errOversized) {
		return nil, fmt.Errorf("%w (limit=%d)", err, limit)
	}
	if err != nil {
		return nil, err
	}
	pg, err := decodeFeedPage(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("GET %s: malformed feed page: %v: %w", u, err, registry.ErrInvalid)
	}
	if pg.Jurisdiction != p.j {
		return nil, fmt.Errorf("GET %s: the node there answers as %q, not %s: %w", u, strictjson.Clip(string(pg.Jurisdiction)), p.j, registry.ErrInvalid)
	}
	if len(pg.Entries) > limit {
		return nil, fmt.Errorf("GET %s: %d entries, asked for at most %d: %w", u, len(pg.Entries), limit, registry.ErrInvalid)
	}
	return pg, nil
}

// verifiedPage is the outcome of checking a page: the entries that passed,
// in order, the key set and rotated-in keys once they are stored, and the
// first refused entry's error (nil if all passed).
type verifiedPage struct {
	entries []Verified
	keys    *jose.KeySet
	learned []jose.PublicKey
	proven  []string // kids announced with proof of possession (Chain.Proven)
	err     error
}

// verifyPage checks the entries of a page in order against the replica,
// which holds page.after entries, and stops at the first that fails. The
// checks are Chain's (the one verifier every reader of a member's entries
// uses), resumed after the replica's entries with the peer's keys as they
// stand, the replica giving each record's newest stored version; the
// signatures were checked ahead, in parallel, where the keys allowed (see
// pipeline and Chain.checkAhead).
func (f *Federation) verifyPage(ctx context.Context, p *peer, page fetched) (verifiedPage, error) {
	after, pg := page.after, page.pg
	keys, _ := p.snapshot()
	res := verifiedPage{keys: keys, entries: make([]Verified, 0, len(pg.Entries))}
	err := f.cfg.Node.View(ctx, func(s node.Snapshot) error {
		l := s.Replica(p.j)
		if size := l.Size(); size != after {
			return fmt.Errorf("replica of %s holds %d entries, want %d", p.j, size, after)
		}
		ch := ResumeChain(p.j, keys, after, func(kind registry.Kind, id string) (uint64, error) {
			prev, err := l.Latest(kind, id)
			if errors.Is(err, registry.ErrNotFound) {
				return 0, nil
			}
			return prev.Ver, err
		}).RefuseKeysOf(f.keyOwner)
		defer func() { res.keys, res.learned, res.proven = ch.Keys(), ch.Learned(), ch.Proven() }()
		for i, fe := range pg.Entries {
			v, err := ch.checkAhead(fe.JWS, page.spec[i], page.specKeys)
			var pe *PriorError
			if errors.As(err, &pe) {
				return pe.Err
			}
			if err != nil {
				res.err = err
				return nil
			}
			res.entries = append(res.entries, v)
		}
		return nil
	})
	return res, err
}

// keyOwner returns the member that holds key kid: this node (any of its
// keys, retired ones included) or a peer (pinned, or learned from its
// announcement with proof of possession; see Chain.RefuseKeysOf). It is
// asked only when a peer announces a key.
func (f *Federation) keyOwner(kid string) (registry.Jurisdiction, bool) {
	if _, ok := f.cfg.Node.PublicKeys().Lookup(kid); ok {
		return f.cfg.Node.Jurisdiction(), true
	}
	for _, p := range f.order {
		if p.holds(kid) {
			return p.j, true
		}
	}
	return "", false
}

// verifyResult is VerifyEntry's answer for one entry.
type verifyResult struct {
	v   Verified
	err error
}

// verifyAll runs VerifyEntry on every entry, spread over the CPUs.
func verifyAll(keys *jose.KeySet, iss registry.Jurisdiction, es []feedEntry) []verifyResult {
	out := make([]verifyResult, len(es))
	const chunk = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(es)+chunk-1)/chunk) {
		wg.Go(func() {
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= len(es) {
					return
				}
				for i := start; i < min(start+chunk, len(es)); i++ {
					out[i].v, out[i].err = VerifyEntry(keys, iss, es[i].JWS)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// storePage appends the verified entries of a page to the replica, with the
// rotated-in keys, and checks the replica's tree against the sync's
// checkpoint (pc) and the note kept from the peer's tiles (checkTilesNote),
// in one transaction, then updates the peer's state. A page whose tree
// contradicts either is rolled back whole, and the error is a
// *misbehaviourError.
func (f *Federation) storePage(ctx context.Context, p *peer, res verifiedPage, pc *pageCheck, after uint64) error {
	if len(res.entries) == 0 {
		return nil
	}
	p.mu.Lock()
	learned := append(p.learned[:len(p.learned):len(p.learned)], res.learned...)
	p.mu.Unlock()
	var keysJWKS []byte
	if len(res.learned) > 0 {
		var err error
		if keysJWKS, err = jose.NewKeySet(learned...).MarshalJWKS(); err != nil {
			return err
		}
	}
	var anchor *storedCheckpoint
	sn := p.tilesNote()
	err := f.cfg.Node.AppendReplica(ctx, p.j, func(l node.ReplicaWriter) error {
		if err := l.AppendAll(res.entries); err != nil {
			return err
		}
		if keysJWKS != nil {
			if err := l.SetMeta(metaKeys, keysJWKS); err != nil {
				return err
			}
		}
		if err := checkTilesNote(l.Log(), p.j, after, sn); err != nil {
			return err
		}
		isAnchor, err := pc.check(l.Log(), p.j, after)
		if err != nil || !isAnchor {
			return err
		}
		anchor, err = f.recordCheckpoint(ctx, p, pc.c, true, &l)
		return err
	})
	var me *misbehaviourError
	if errors.As(err, &me) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store replica of %s: %w", p.j, err)
	}
	if anchor != nil {
		p.setCheckpoint(anchor, true)
	}
	p.mu.Lock()
	p.seq = res.entries[len(res.entries)-1].Entry().Seq
	p.verified += uint64(len(res.entries))
	p.keys, p.learned = res.keys, learned
	for _, kid := range res.proven {
		if p.owned == nil {
			p.owned = map[string]bool{}
		}
		p.owned[kid] = true
	}
	p.mu.Unlock()
	return nil
}
