package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
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
}

// StatusListPath is where a node serves its status list.
const StatusListPath = "/v1/status-list"

// Passes issues COR passes for the node's own certificates, publishes the
// node's Token Status List, and finds any entry of the federation by the
// leaf hash a pass carries. Safe for concurrent use.
type Passes struct {
	l   *Lookups
	cfg PassConfig

	mu   sync.Mutex
	idx  map[string]uint64 // certificate id -> status index (node.StatusIndexes), as learnt
	list *statusCache

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

type statusCache struct {
	size  uint64
	today registry.Date
	made  time.Time
	token string
	// list holds every certificate's status on today as of the log's first
	// size entries; later entries update it (StatusList).
	list *statuslist.List
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
	return &Passes{l: l, cfg: cfg, idx: map[string]uint64{}, hashes: map[[16]byte]hashLoc{}, scanned: map[string]uint64{}}
}

// BaseURL is the node's public URL, without a trailing slash.
func (p *Passes) BaseURL() string { return p.cfg.BaseURL }

// StatusListURL is the URL of the node's status list (the uri in passes).
func (p *Passes) StatusListURL() string { return p.cfg.BaseURL + StatusListPath }

// TTL is the status list's time to live.
func (p *Passes) TTL() time.Duration { return p.cfg.TTL }

// StatusList returns the node's signed status list: every certificate of
// the node at its index, with its status today. It is signed again when
// the node's log grows, the date changes, or half its ttl has passed (so
// its iat stays recent); otherwise the signed token is served again. The
// statuses are read from every certificate once a day (a certificate's
// status today changes with the date); in between, only the entries the
// log gained since the last list are read, so a list after a write costs
// the write, not the registry (a 20,000-certificate node rebuilt in 180 ms
// after every write before).
func (p *Passes) StatusList(ctx context.Context) (token string, made time.Time, err error) {
	n := p.l.fed.Node()
	now, today := n.Now(), n.Today()
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.list
	if c != nil && c.today != today {
		c = nil // every status is read again on a new day
	}
	var size uint64
	var statuses []certStatus
	err = n.View(ctx, func(s node.Snapshot) error {
		lg := s.Self()
		size = lg.Size()
		switch {
		case c != nil && c.size == size:
			return nil
		case c != nil && c.size < size:
			statuses, err = changedStatuses(ctx, lg, c.size, today)
			return err
		}
		statuses, err = allStatuses(lg, today)
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	if c != nil && c.size == size && now.Sub(c.made) < p.cfg.TTL/2 {
		return c.token, c.made, nil
	}
	var unknown []string
	for _, s := range statuses {
		if _, ok := p.idx[s.id]; !ok {
			unknown = append(unknown, s.id)
		}
	}
	if len(unknown) > 0 {
		got, err := n.StatusIndexes(ctx, unknown)
		if err != nil {
			return "", time.Time{}, err
		}
		for id, i := range got {
			p.idx[strings.Clone(id)] = i // id shares its decoded record's buffer: keep only the id
		}
	}
	// The list is updated in place (p.mu is held); if it cannot be signed,
	// the cache is dropped and the next call reads every status again.
	l := new(statuslist.List)
	if c != nil {
		l = c.list
	}
	for _, s := range statuses {
		l.Set(int(p.idx[s.id]), statuslist.Of(s.status))
	}
	made = time.Unix(now.Unix(), 0).UTC()
	token, err = statuslist.Sign(n.ActiveKey(), statuslist.Token{Iss: n.Jurisdiction(), Sub: p.StatusListURL(),
		Iat: made, Exp: made.Add(p.cfg.Lifetime), TTL: p.cfg.TTL, LogSize: size, List: l})
	if err != nil {
		p.list = nil
		return "", time.Time{}, err
	}
	p.list = &statusCache{size: size, today: today, made: made, token: token, list: l}
	return token, made, nil
}

type certStatus struct{ id, status string }

// allStatuses returns every certificate of log lg with its status today.
func allStatuses(lg registry.Log, today registry.Date) ([]certStatus, error) {
	var out []certStatus
	var ferr error
	err := lg.Scan(registry.KindCertificate, func(e registry.Entry) bool {
		var c registry.Certificate
		if c, ferr = node.Decode[registry.Certificate](e); ferr != nil {
			return false
		}
		out = append(out, certStatus{c.ID, node.StatusOnDate(c, today)})
		return true
	})
	if err == nil {
		err = ferr
	}
	return out, err
}

// changedStatuses returns the certificates that log lg's entries after
// seq after changed, each with its status today, in log order (a later
// version after an earlier one).
func changedStatuses(ctx context.Context, lg registry.Log, after uint64, today registry.Date) ([]certStatus, error) {
	var out []certStatus
	for after < lg.Size() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		es, err := lg.Entries(after, registry.MaxScan)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Kind != registry.KindCertificate {
				continue
			}
			c, err := node.Decode[registry.Certificate](e)
			if err != nil {
				return nil, err
			}
			out = append(out, certStatus{c.ID, node.StatusOnDate(c, today)})
		}
		after = es[len(es)-1].Seq
	}
	return out, nil
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
	p.mu.Lock()
	idx, ok := p.idx[id]
	p.mu.Unlock()
	if !ok {
		got, err := n.StatusIndexes(ctx, []string{id})
		if err != nil {
			return "", pass.Pass{}, err
		}
		idx = got[id]
		p.mu.Lock()
		p.idx[id] = idx
		p.mu.Unlock()
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
