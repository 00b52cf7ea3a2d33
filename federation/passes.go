package federation

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// PassConfig configures Passes.
type PassConfig struct {
	// BaseURL is the node's public URL ("https://cor.example.ca"); the
	// status list's URL, carried in every pass, is BaseURL + StatusListPath.
	BaseURL string
	// TTL is the status list's ttl claim and cache time (default 5 min).
	TTL time.Duration
	// Lifetime is how long after it is made a status list may still be used
	// (exp - iat; default 7 days): verifiers offline keep using a stale
	// list, saying so, until then.
	Lifetime time.Duration
	// Background: the list is first built by Keep (or Build), which the
	// caller starts with the node, never by a request. Until it is built,
	// StatusList (and checking one of the node's own passes) returns
	// ErrStatusListBuilding at once, and a pass for a certificate without a
	// status index yet is refused the same way. Without it, the first
	// StatusList builds the list while its caller waits (tests, tools).
	Background bool
}

// StatusListPath is where a node serves its status list.
const StatusListPath = "/v1/status-list"

// ErrStatusListBuilding: the node's status list is not built yet (it is
// being read from every certificate after the node started); ask again
// in a few seconds. It wraps registry.ErrUnavailable.
var ErrStatusListBuilding = fmt.Errorf("the status list is being built after the node started: %w", registry.ErrUnavailable)

// StatusListRetry is how long a caller told ErrStatusListBuilding should
// wait before asking again.
const StatusListRetry = 5 * time.Second

// Passes issues COR passes for the node's own certificates, publishes the
// node's Token Status List, and finds any entry of the federation by the
// leaf hash a pass carries. Safe for concurrent use.
type Passes struct {
	l   *Lookups
	cfg PassConfig

	mu    sync.Mutex
	list  *statusCache  // nil until built
	built chan struct{} // closed when a list is first built
	once  sync.Once

	bmu   sync.Mutex // one full build at a time
	saved struct {   // the state last saved (guarded by bmu)
		size  uint64
		today registry.Date
		at    time.Time
	}

	// reads counts the certificate versions decoded for the status list
	// (a test's measure of its work).
	reads atomic.Uint64

	pmu   sync.Mutex
	peers map[registry.Jurisdiction]*peerList // peers' status lists, for their passes (peerStatus)

	hmu     sync.Mutex
	hashes  map[[16]byte]hashLoc // leaf hash prefix -> entry
	scanned map[string]uint64    // per log: leaves already indexed
}

// Asked reports whether the status list was ever made: whether keeping
// it up to date ahead of requests is worth a read of every certificate.
func (p *Passes) Asked() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.list != nil
}

// statusCache is the status list as of the own log's first size entries,
// on day today: 2 bits per certificate, and, for the days ahead, which
// certificate versions may change status on that day without a write.
// It holds no record and no id (a certificate's index is read from the
// store when one of its versions is read).
type statusCache struct {
	size  uint64
	today registry.Date
	made  time.Time
	token string // "" until signed
	// stale: entries were read (follow) since the token was signed.
	stale bool
	list  *statuslist.List
	// due maps a day to the seqs of the certificate versions whose status
	// may change on that day by the date alone (the day it is issued, a
	// dated change takes effect, the day after it expires), as each was
	// when read. A day change reads only those (advance); a version that
	// is no longer its certificate's newest is skipped then (the newer one
	// was read when written, and scheduled its own day).
	due map[registry.Date][]uint64
}

// newStatusCache is an empty list of nothing read, on day today.
func newStatusCache(today registry.Date) *statusCache {
	return &statusCache{today: today, list: new(statuslist.List), due: map[registry.Date][]uint64{}}
}

// unindexed is a certificate version read for the list whose certificate
// has no status index yet (a store written by an older corfed, or entries
// given back by corfed restore).
type unindexed struct {
	id string
	v  byte
}

type hashLoc struct {
	iss registry.Jurisdiction
	log string
	seq uint64
}

// NewPasses returns the passes of the lookups' node.
func NewPasses(l *Lookups, cfg PassConfig) *Passes {
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.Lifetime <= cfg.TTL {
		cfg.Lifetime = 7 * 24 * time.Hour
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Passes{l: l, cfg: cfg, built: make(chan struct{}), hashes: map[[16]byte]hashLoc{}, scanned: map[string]uint64{}}
}

// BaseURL is the node's public URL, without a trailing slash.
func (p *Passes) BaseURL() string { return p.cfg.BaseURL }

// StatusListURL is the URL of the node's status list (the uri in passes).
func (p *Passes) StatusListURL() string { return p.cfg.BaseURL + StatusListPath }

// TTL is the status list's time to live.
func (p *Passes) TTL() time.Duration { return p.cfg.TTL }

// StatusReads is how many certificate versions the status list has read
// since the node started: a measure of its work.
func (p *Passes) StatusReads() uint64 { return p.reads.Load() }

// StatusList returns the node's signed status list: every certificate of
// the node at its index, with its status today. It is signed again when
// the node's log grows, the date changes, or half its ttl has passed (so
// its iat stays recent); otherwise the signed token is served again.
//
// Once built, the list is kept, never read again in full: a call reads
// only the entries the log gained since the last one, and on a new day
// only the certificate versions whose status may change that day by the
// date alone (statusCache.due). With PassConfig.Background the list is
// built by Keep, and a call before it is built returns
// ErrStatusListBuilding at once; otherwise the first call builds it.
func (p *Passes) StatusList(ctx context.Context) (token string, made time.Time, err error) {
	if p.cfg.Background {
		// A small registry's list is built in milliseconds after the
		// start: a request made meanwhile waits for it, briefly.
		t := time.NewTimer(buildGrace)
		select {
		case <-p.built:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.list == nil {
		if p.cfg.Background {
			return "", time.Time{}, ErrStatusListBuilding
		}
		c, err := p.build(ctx)
		if err != nil {
			return "", time.Time{}, err
		}
		p.list = c
	}
	return p.refresh(ctx)
}

// Build builds the status list if it is not built yet, without holding
// up StatusList's callers meanwhile (they get ErrStatusListBuilding), and
// signs it. Indexes missing from the store are assigned here.
func (p *Passes) Build(ctx context.Context) error {
	p.bmu.Lock()
	defer p.bmu.Unlock()
	if p.Asked() {
		return nil
	}
	c := p.load(ctx)
	if c == nil {
		c = newStatusCache(p.l.fed.Node().Today())
	}
	if err := p.catchUp(ctx, c); err != nil {
		return err
	}
	p.mu.Lock()
	if p.list == nil {
		p.list = c
	}
	p.mu.Unlock()
	p.once.Do(func() { close(p.built) })
	if _, _, err := p.StatusList(ctx); err != nil {
		return err
	}
	return p.save(ctx)
}

// saveEvery is how often, at most, Keep saves the list's state when it
// changed.
var saveEvery = 10 * time.Minute

// save stores the list's state in the node (node.SaveStatusListState) if
// it changed since it was last saved, so that a restart reads only the
// entries appended since (Build). It is called with p.bmu held.
func (p *Passes) save(ctx context.Context) error {
	p.mu.Lock()
	c := p.list
	if c == nil || c.token == "" || c.size == p.saved.size && c.today == p.saved.today {
		p.mu.Unlock()
		return nil
	}
	b, size, today := c.encode(), c.size, c.today
	p.mu.Unlock()
	if err := p.l.fed.Node().SaveStatusListState(ctx, b); err != nil {
		return err
	}
	p.saved.size, p.saved.today, p.saved.at = size, today, time.Now()
	return nil
}

// load returns the list's state last saved in the node, or nil if there
// is none or it cannot be used (another version, not a prefix of the
// log): the list is then built from the whole log.
func (p *Passes) load(ctx context.Context) *statusCache {
	n := p.l.fed.Node()
	b, err := n.StatusListState(ctx)
	if err != nil || b == nil {
		return nil
	}
	c, err := decodeState(b)
	if err != nil {
		return nil
	}
	var size uint64
	if err := n.View(ctx, func(s node.Snapshot) error { size = s.Self().Size(); return nil }); err != nil || c.size > size {
		return nil
	}
	return c
}

// buildGrace is how long a request for the status list waits for a build
// in the background before it is told ErrStatusListBuilding.
var buildGrace = time.Second

// Keep builds the status list (Build) and then keeps it current until ctx
// ends: it reads the entries of each commit as they come (follow), and
// signs it every interval, so that requests find it signed: the first one
// after a start, after many writes or on a new day. A failed build is
// tried again after interval; errors go to onErr. As ctx ends it saves
// the list's state if it changed since its last save, so that a restart
// reads only what is appended after the stop; it returns once it has.
func (p *Passes) Keep(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer func() {
		p.bmu.Lock()
		defer p.bmu.Unlock()
		if err := p.save(context.WithoutCancel(ctx)); err != nil && onErr != nil {
			onErr(err)
		}
	}()
	commits, stop := p.l.fed.Node().Watch()
	defer stop()
	for {
		var err error
		if !p.Asked() {
			err = p.Build(ctx)
		} else {
			_, _, err = p.StatusList(ctx)
		}
		if err == nil {
			p.bmu.Lock()
			if time.Since(p.saved.at) >= saveEvery {
				err = p.save(ctx)
			}
			p.bmu.Unlock()
		}
		if err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		for wait := true; wait; {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				wait = false
			case <-commits:
				if err := p.follow(ctx); err != nil && ctx.Err() == nil && onErr != nil {
					onErr(err)
				}
			}
		}
	}
}

// buildChunk is how many log entries a build reads in one read
// transaction: a long one would hold up the commit that must grow the
// store's memory map.
const buildChunk = 4 * registry.MaxScan

// build reads every entry of the own log, in log order and in read
// transactions of buildChunk entries, into a new list (unsigned): each
// certificate's newest version sets its status. Certificates without a
// status index get one, in one write at the end.
func (p *Passes) build(ctx context.Context) (*statusCache, error) {
	c := newStatusCache(p.l.fed.Node().Today())
	return c, p.catchUp(ctx, c)
}

// catchUp reads the entries of the own log after c.size, up to the size
// the log has when it starts, into c, as build does.
func (p *Passes) catchUp(ctx context.Context, c *statusCache) error {
	n := p.l.fed.Node()
	var size uint64
	if err := n.View(ctx, func(s node.Snapshot) error { size = s.Self().Size(); return nil }); err != nil {
		return err
	}
	var missing []unindexed
	for c.size < size {
		err := n.View(ctx, func(s node.Snapshot) error {
			var err error
			missing, err = p.readEntries(ctx, s.Self(), c, min(size, c.size+buildChunk), missing)
			return err
		})
		if err != nil {
			return err
		}
	}
	return p.index(ctx, c, missing)
}

// index assigns status indexes to the certificates of missing (in the
// order read: a later version after an earlier one) and sets their
// statuses.
func (p *Passes) index(ctx context.Context, c *statusCache, missing []unindexed) error {
	if len(missing) == 0 {
		return nil
	}
	ids := make([]string, 0, len(missing))
	for _, m := range missing {
		ids = append(ids, m.id)
	}
	got, err := p.l.fed.Node().StatusIndexes(ctx, ids)
	if err != nil {
		return err
	}
	for _, m := range missing {
		c.list.Set(int(got[m.id]), m.v)
	}
	return nil
}

// readEntries reads the entries of lg after c.size up to upto into c, each
// certificate version's status on c.today at its certificate's index,
// and moves c.size to upto. It appends to missing the versions whose
// certificate has no index. On an error c.size stays: reading the same
// entries again sets the same statuses.
func (p *Passes) readEntries(ctx context.Context, lg registry.Log, c *statusCache, upto uint64, missing []unindexed) ([]unindexed, error) {
	after := c.size
	for after < upto {
		if err := ctx.Err(); err != nil {
			return missing, err
		}
		es, err := lg.Entries(after, int(min(upto-after, registry.MaxScan)))
		if err != nil {
			return missing, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Kind != registry.KindCertificate {
				continue
			}
			v, err := p.readVersion(lg, c, e)
			if errors.Is(err, errNoIndex) {
				missing = append(missing, unindexed{id: strings.Clone(e.ID), v: v})
			} else if err != nil {
				return missing, err
			}
		}
		after = es[len(es)-1].Seq
	}
	c.size = upto
	return missing, nil
}

var errNoIndex = errors.New("no status index")

// readVersion sets the status on c.today of certificate version e in c's
// list at its certificate's index (errNoIndex, with the status, if it has
// none) and schedules the next day its status may change without a
// write.
func (p *Passes) readVersion(lg registry.Log, c *statusCache, e registry.Entry) (byte, error) {
	cert, err := node.Decode[registry.Certificate](e)
	if err != nil {
		return 0, err
	}
	p.reads.Add(1)
	v := statuslist.Of(node.StatusOnDate(cert, c.today))
	if next := nextStatusDay(cert, c.today); !next.IsZero() {
		c.due[next] = append(c.due[next], e.Seq)
	}
	idx, ok, err := node.StatusIndexIn(lg, e.ID)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, errNoIndex
	}
	c.list.Set(int(idx), v)
	return v, nil
}

// nextStatusDay is the first day after today on which certificate c's
// status may change by the date alone, or the zero Date: the day it is
// issued, a change of its history takes effect, or the day after it
// expires, whichever comes first after today. (A status on a day depends
// on the day only through these: registry.Certificate.StatusOn.)
func nextStatusDay(c registry.Certificate, today registry.Date) registry.Date {
	var next registry.Date
	consider := func(d registry.Date) {
		if !d.IsZero() && d.After(today) && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	consider(c.IssuedOn)
	for _, h := range c.History {
		consider(h.On)
	}
	if !c.ExpiresOn.IsZero() {
		consider(c.ExpiresOn.AddDays(1))
	}
	return next
}

// advance reads again, on day today, the certificate versions of c.due
// from after c.today up to today that are still their certificate's
// newest, and moves c.today to today. It reports whether any was read.
func (p *Passes) advance(lg registry.Log, c *statusCache, today registry.Date) (bool, error) {
	var days []registry.Date
	for d := range c.due {
		if !d.After(today) {
			days = append(days, d)
		}
	}
	slices.SortFunc(days, registry.Date.Compare)
	old := c.today
	c.today = today
	read := false
	for _, d := range days {
		for _, seq := range c.due[d] {
			e, err := lg.Entry(seq)
			if err != nil {
				c.today = old
				return read, err
			}
			if cur, err := lg.Latest(registry.KindCertificate, e.ID); err != nil {
				c.today = old
				return read, err
			} else if cur.Seq != seq {
				continue // a newer version was read when written
			}
			if _, err := p.readVersion(lg, c, e); err != nil && !errors.Is(err, errNoIndex) {
				c.today = old
				return read, err
			}
			read = true
		}
		delete(c.due, d)
	}
	return read, nil
}

// refresh brings p.list (held under p.mu) up to the log's size and today,
// and signs it again if that changed it or half its ttl has passed.
func (p *Passes) refresh(ctx context.Context) (token string, made time.Time, err error) {
	n := p.l.fed.Node()
	now, today := n.Now(), n.Today()
	c := p.list
	if today.Before(c.today) {
		// The clock went back: statuses of the days after it are not
		// undone by the schedule. Build again.
		p.list = nil
		if p.cfg.Background {
			return "", time.Time{}, ErrStatusListBuilding
		}
		if c, err = p.build(ctx); err != nil {
			return "", time.Time{}, err
		}
		p.list = c
	}
	var missing []unindexed
	grew, newDay, from := false, false, c.size
	err = n.View(ctx, func(s node.Snapshot) error {
		lg := s.Self()
		if size := lg.Size(); size > c.size {
			grew = true
			if missing, err = p.readEntries(ctx, lg, c, size, nil); err != nil {
				return err
			}
		}
		if today != c.today {
			newDay = true
			_, err = p.advance(lg, c, today)
			return err
		}
		return nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if err := p.index(ctx, c, missing); err != nil {
		c.size = from // read them again next time
		return "", time.Time{}, err
	}
	if c.token != "" && !grew && !c.stale && !newDay && now.Sub(c.made) < p.cfg.TTL/2 {
		return c.token, c.made, nil
	}
	made = time.Unix(now.Unix(), 0).UTC()
	token, err = statuslist.Sign(n.ActiveKey(), statuslist.Token{Iss: n.Jurisdiction(), Sub: p.StatusListURL(),
		Iat: made, Exp: made.Add(p.cfg.Lifetime), TTL: p.cfg.TTL, LogSize: c.size, List: c.list})
	if err != nil {
		c.token = "" // the list changed: sign it at the next call
		return "", time.Time{}, err
	}
	c.token, c.made, c.stale = token, made, false
	return token, made, nil
}

// followStep is the most entries follow reads in one read transaction
// (and with the list locked: a request for the list waits at most that).
const followStep = 1000

// follow reads the entries appended since the list's size into it, a
// step at a time, without signing it (the next StatusList does). Keep
// calls it after each commit, so that the list's reading is spread over
// the writes: until session 32 it read a minute's entries at once, ~40
// µs of CPU a certificate, and an import of 1,000,000 entries at 13,000
// a second slowed for ~5 s under the first minute's 750,000.
func (p *Passes) follow(ctx context.Context) error {
	n := p.l.fed.Node()
	for {
		p.mu.Lock()
		c := p.list
		if c == nil {
			p.mu.Unlock()
			return nil
		}
		var missing []unindexed
		from, caught := c.size, false
		err := n.View(ctx, func(s node.Snapshot) error {
			lg := s.Self()
			size := lg.Size()
			if size <= c.size {
				caught = true
				return nil
			}
			var err error
			missing, err = p.readEntries(ctx, lg, c, min(size, c.size+followStep), nil)
			return err
		})
		if err == nil {
			if err = p.index(ctx, c, missing); err != nil {
				c.size = from // read them again next time
			}
		}
		if c.size != from {
			c.stale = true
		}
		p.mu.Unlock()
		if err != nil || caught {
			return err
		}
	}
}

// Issue signs a pass for certificate id of the node's own registry, with
// its status list index, the log index (seq) of its newest version and
// that entry's leaf hash. A certificate in a final status today
// (cancelled, revoked, expired, superseded) gets none: ErrConflict.
// Another jurisdiction's certificate is ErrNotFound here: its own node
// issues its passes.
func (p *Passes) Issue(ctx context.Context, id string) (string, pass.Pass, error) {
	n := p.l.fed.Node()
	today := n.Today()
	cv, err := n.Certificate(ctx, id, today)
	if err != nil {
		return "", pass.Pass{}, err
	}
	c := cv.Certificate
	if statuslist.Of(cv.StatusAsOf) == statuslist.Invalid {
		return "", pass.Pass{}, registry.Conflict("certificate %s is %s on %s; a pass is issued only for a certificate that may still hold",
			id, cv.StatusAsOf, today)
	}
	name := c.EmployerBN
	if ev, err := n.Employer(ctx, c.EmployerBN, today); err == nil {
		var e registry.Employer
		if json.Unmarshal(ev.Employer.Record, &e) == nil && e.LegalName != "" {
			name = e.LegalName
		}
	}
	idx, err := p.statusIndex(ctx, id)
	if err != nil {
		return "", pass.Pass{}, err
	}
	leaf := tlog.RecordHash([]byte(cv.Entry.JWS))
	now := time.Unix(n.Now().Unix(), 0).UTC()
	ps := pass.Pass{Iss: n.Jurisdiction(), IssuedAt: now, Expires: endOfDay(c.Jurisdiction, c.ExpiresOn),
		StatusIdx: idx, StatusURI: p.StatusListURL(),
		CertificateID: c.ID, Number: c.Number, Program: c.Program, EmployerName: name, EmployerBN: c.EmployerBN,
		Scope: pass.Scope(c), IssuedOn: c.IssuedOn, ExpiresOn: c.ExpiresOn, Seq: cv.Entry.Seq, LeafHash: leaf[:16]}
	if !ps.Expires.After(now) {
		return "", pass.Pass{}, registry.Conflict("certificate %s expired on %s; a pass is issued only for a certificate that may still hold", id, c.ExpiresOn)
	}
	text, err := pass.Encode(ps, n.ActiveKey())
	if err != nil {
		return "", pass.Pass{}, err
	}
	return text, ps, nil
}

// statusIndex is certificate id's status list index. Every certificate
// written by this corfed has one from its write; one that has none (a
// store of an older corfed, entries given back by corfed restore) gets one
// here, unless the list is built in the background, which assigns them:
// then ErrStatusListBuilding until it has.
func (p *Passes) statusIndex(ctx context.Context, id string) (uint64, error) {
	n := p.l.fed.Node()
	var idx uint64
	var ok bool
	err := n.View(ctx, func(s node.Snapshot) (err error) {
		idx, ok, err = node.StatusIndexIn(s.Self(), id)
		return err
	})
	if err != nil || ok {
		return idx, err
	}
	if p.cfg.Background {
		return 0, ErrStatusListBuilding
	}
	got, err := n.StatusIndexes(ctx, []string{id})
	return got[id], err
}

// endOfDay is the first instant after day d in jurisdiction j's zone.
func endOfDay(j registry.Jurisdiction, d registry.Date) time.Time {
	loc := node.Zone(j) // cached: LoadLocation reads the zone database each call
	next := d.AddDays(1)
	return time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc).UTC()
}

// EntryByHash returns the entry, of the node's own log or of any verified
// replica, whose RFC 6962 leaf hash starts with prefix (16 to 32 bytes),
// as evidence with its inclusion proof against the issuer's checkpoint
// (LogInclusion; for a peer's entry, the checkpoint this node verified and
// cosigned). Unknown: ErrNotFound.
//
// The node indexes leaf hashes in memory as its logs grow: each call reads
// only the leaves added since the last one (the first call after a start
// reads them all once).
func (p *Passes) EntryByHash(ctx context.Context, prefix []byte) (Evidence, error) {
	if len(prefix) < 16 || len(prefix) > 32 {
		return Evidence{}, registry.Invalid("hash", "want 16 to 32 bytes of a leaf hash, got %d", len(prefix))
	}
	var key [16]byte
	copy(key[:], prefix)
	loc, ok, err := p.lookupHash(ctx, key)
	if err != nil {
		return Evidence{}, err
	}
	if !ok {
		return Evidence{}, fmt.Errorf("leaf hash %x: %w", prefix, registry.ErrNotFound)
	}
	n := p.l.fed.Node()
	var ev []Evidence
	err = n.View(ctx, func(s node.Snapshot) error {
		e, err := n.LogOf(s, loc.iss).Entry(loc.seq)
		if err != nil {
			return err
		}
		h := tlog.RecordHash([]byte(e.JWS))
		if string(h[:len(prefix)]) != string(prefix) {
			return fmt.Errorf("leaf hash %x: %w", prefix, registry.ErrNotFound)
		}
		ev = []Evidence{{Ref: e.Ref(), JWS: e.JWS}}
		return p.l.attachLogs(s, ev)
	})
	if err != nil {
		return Evidence{}, err
	}
	return ev[0], nil
}

func (p *Passes) lookupHash(ctx context.Context, key [16]byte) (hashLoc, bool, error) {
	p.hmu.Lock()
	defer p.hmu.Unlock()
	if loc, ok := p.hashes[key]; ok {
		return loc, true, nil
	}
	n := p.l.fed.Node()
	err := n.View(ctx, func(sn node.Snapshot) error {
		for _, s := range p.l.sources() {
			lg := n.LogOf(sn, s.iss)
			size := lg.Size()
			from := p.scanned[s.log]
			for from < size {
				end := min(size, from+1024)
				idx := make([]int64, 0, end-from)
				for i := from; i < end; i++ {
					idx = append(idx, tlog.StoredHashIndex(0, int64(i)))
				}
				hs, err := lg.HashReader().ReadHashes(idx)
				if err != nil {
					return err
				}
				for i, h := range hs {
					var k [16]byte
					copy(k[:], h[:16])
					p.hashes[k] = hashLoc{iss: s.iss, log: s.log, seq: from + uint64(i) + 1}
				}
				from = end
			}
			p.scanned[s.log] = from
		}
		return nil
	})
	loc, ok := p.hashes[key]
	return loc, ok, err
}

// stateVersion is the first byte of a saved state (statusCache.encode).
const stateVersion = 1

// encode is c's state as saved, without its token: the version, size,
// today, the list's length and its statuses packed 2 bits each, and each
// due day with its seqs, sorted and delta-encoded.
func (c *statusCache) encode() []byte {
	n := c.list.Len()
	b := make([]byte, 0, 32+n/4+8*len(c.due))
	b = append(b, stateVersion)
	b = binary.AppendUvarint(b, c.size)
	b = append(b, c.today.String()...)
	b = binary.AppendUvarint(b, uint64(n))
	packed := make([]byte, (n+3)/4)
	for i := range n {
		v, _ := c.list.Get(uint64(i))
		packed[i/4] |= v << (2 * uint(i%4))
	}
	b = append(b, packed...)
	b = binary.AppendUvarint(b, uint64(len(c.due)))
	for d, seqs := range c.due {
		seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
		b = append(b, d.String()...)
		b = binary.AppendUvarint(b, uint64(len(seqs)))
		prev := uint64(0)
		for _, q := range seqs {
			b = binary.AppendUvarint(b, q-prev)
			prev = q
		}
	}
	return b
}

var errBadState = errors.New("status list state: malformed")

// decodeState reads a state encode wrote.
func decodeState(b []byte) (*statusCache, error) {
	if len(b) == 0 || b[0] != stateVersion {
		return nil, errBadState
	}
	b = b[1:]
	uv := func() (uint64, error) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, errBadState
		}
		b = b[k:]
		return v, nil
	}
	date := func() (registry.Date, error) {
		if len(b) < 10 {
			return registry.Date{}, errBadState
		}
		d, err := registry.ParseDate(string(b[:10]))
		b = b[10:]
		return d, err
	}
	c := newStatusCache(registry.Date{})
	var err error
	if c.size, err = uv(); err != nil {
		return nil, err
	}
	if c.today, err = date(); err != nil {
		return nil, err
	}
	n, err := uv()
	if err != nil || n > statuslist.MaxEntries || uint64(len(b)) < (n+3)/4 {
		return nil, errBadState
	}
	for i := range n {
		c.list.Set(int(i), b[i/4]>>(2*uint(i%4))&3)
	}
	b = b[(n+3)/4:]
	days, err := uv()
	if err != nil {
		return nil, err
	}
	for range days {
		d, err := date()
		if err != nil {
			return nil, err
		}
		k, err := uv()
		if err != nil || k > uint64(len(b)) {
			return nil, errBadState
		}
		seqs := make([]uint64, 0, k)
		prev := uint64(0)
		for range k {
			delta, err := uv()
			if err != nil {
				return nil, err
			}
			prev += delta
			if prev > c.size {
				return nil, errBadState
			}
			seqs = append(seqs, prev)
		}
		c.due[d] = seqs
	}
	if len(b) != 0 {
		return nil, errBadState
	}
	return c, nil
}
