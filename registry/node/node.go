package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// SelfLog is the name of the node's own feed in the store.
const SelfLog = "self"

// EntryType is the typ header of every entry JWS.
const EntryType = registry.EntryType

// Config configures a node.
type Config struct {
	Jurisdiction registry.Jurisdiction
	// Now is the clock; default time.Now. Tests inject a fixed one.
	Now func() time.Time
	// PartyKeys returns the pinned keys of another jurisdiction, used to
	// verify its signature on a reciprocity agreement; nil, false when the
	// node does not know that party (no federation). Optional.
	PartyKeys func(registry.Jurisdiction) (*jose.KeySet, bool)
	// OnCommit, if set, is called after each group-commit transaction
	// with the number of entries it appended and how long the
	// transaction took (appends, commit and fsync). It must be cheap and
	// safe for concurrent use: metrics hang here, so that this package
	// imports no metrics library.
	OnCommit func(entries int, took time.Duration)
	// OnWrite, if set, is called with the caller's context and the stored
	// entry after every acknowledged write (the audit log: the entry's By
	// says who, with which token). It must be cheap.
	OnWrite func(ctx context.Context, e registry.Entry)
	// MaxTokenTTL caps the lifetime (exp - iat) of the bearer tokens the
	// node accepts, whoever signed them; default DefaultMaxTokenTTL.
	MaxTokenTTL time.Duration
	// Revoked, if set, reports whether a token id (jti) is revoked. It is
	// called on every authenticated request and must be cheap.
	Revoked func(jti string) bool
	// SearchCountCap bounds the count of a name, status or program search
	// (search.go); default DefaultSearchCountCap.
	SearchCountCap int
	// DeferKeyAnnouncement makes New append no entry to the feed: the keys
	// of the ring the feed has not announced are announced when the
	// caller calls AnnounceKeys, which it must do before any other write.
	// corfed serve first asks its peers what they hold of the feed (a
	// store restored from an older copy must not sign over it), and
	// corfed restore appends the entries the feed lost (RestoreEntries),
	// its announcements among them, and announces nothing.
	DeferKeyAnnouncement bool
}

// Node is one jurisdiction's registry. Safe for concurrent use.
type Node struct {
	cfg Config
	db  registry.Store

	mu        sync.RWMutex // guards keys and tokenKeys
	keys      *jose.Keyring
	tokenKeys *jose.KeySet // the active key alone: the only one that authenticates

	committer committer // the write pipeline (pipeline.go)

	// decisions serializes the administrator's decisions that write two
	// records (a review step or a removal decision, and the certificate or
	// CP it suspends or revokes): each checks the record it decides on,
	// changes the other record, then commits the decision, and two
	// decisions interleaving there would both pass the check and leave a
	// certificate revoked by a decision that was refused (review.go).
	decisions sync.Mutex

	// reviews serializes opening Employer Reviews: the repeat rule reads
	// the employer's earlier reviews before the new one is committed
	// (review.go).
	reviews sync.Mutex

	// rules serializes publishing host rules: the overlap check reads the
	// versions stored before the new one is committed (rules.go).
	rules sync.Mutex

	// standing orders an audit's auditor check against the writes that
	// change an auditor's standing (standing.go).
	standing standingGuard

	certs  boundedCache[certKey, registry.Certificate] // decoded certificates, by issuer and seq
	cps    boundedCache[string, decodedCP]             // the last decoded version of each CP, by id
	tokens boundedCache[string, cachedToken]           // verified bearer tokens

	checkpoint  checkpointCache // the last signed checkpoint (checkpoint.go)
	maintenance maintenanceList // the maintenance audits due (maintenance.go)
	watchers    watchers        // woken after commits (notify.go)
}

// boundedCache is a small concurrency-safe map that forgets everything
// when it reaches its bound: enough for values that never change (an
// entry at a seq) or that are rechecked on every hit (a token's expiry).
type boundedCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

const cacheBound = 4096

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *boundedCache[K, V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cacheBound {
		c.m = make(map[K]V)
	}
	c.m[k] = v
}

// New returns the node over db, signing with keys. It publishes a key
// announcement for any key of the ring that its feed has not announced yet
// (a rotation), signed by the newest key already announced, so that peers
// that pin the old key learn the new one from a signature they trust.
func New(ctx context.Context, cfg Config, db registry.Store, keys *jose.Keyring) (*Node, error) {
	if !cfg.Jurisdiction.Valid() {
		return nil, fmt.Errorf("node: jurisdiction %q: %w", cfg.Jurisdiction, registry.ErrInvalid)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if keys == nil || keys.Active() == nil {
		return nil, fmt.Errorf("node: no active signing key: %w", registry.ErrInvalid)
	}
	n := &Node{cfg: cfg, db: db, keys: keys, tokenKeys: jose.NewKeySet(keys.Active().Public())}
	if err := n.stampNewStore(ctx); err != nil { // indexkeys.go
		return nil, err
	}
	if cfg.DeferKeyAnnouncement {
		return n, nil
	}
	if err := n.announceKeys(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// AnnounceKeys announces the keys of the ring the feed has not announced,
// as New does unless Config.DeferKeyAnnouncement is set.
func (n *Node) AnnounceKeys(ctx context.Context) error { return n.announceKeys(ctx) }

// Jurisdiction returns the node's jurisdiction.
func (n *Node) Jurisdiction() registry.Jurisdiction { return n.cfg.Jurisdiction }

// Now returns the node's clock reading.
func (n *Node) Now() time.Time { return n.cfg.Now() }

// Today returns today's date in the node's jurisdiction.
func (n *Node) Today() registry.Date { return TodayIn(n.cfg.Jurisdiction, n.cfg.Now()) }

// TodayIn returns the calendar date of t in jurisdiction j's zone.
func TodayIn(j registry.Jurisdiction, t time.Time) registry.Date {
	if loc := zone(j); loc != nil {
		t = t.In(loc)
	}
	return registry.DateOf(t)
}

// zones caches each jurisdiction's *time.Location: time.LoadLocation reads
// the zone database on every call.
var zones sync.Map // registry.Jurisdiction -> *time.Location

func zone(j registry.Jurisdiction) *time.Location {
	if loc, ok := zones.Load(j); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(j.Zone())
	if err != nil || j.Zone() == "" {
		return nil
	}
	zones.Store(j, loc)
	return loc
}

// PublicKeys returns every key of the node, active and retired.
func (n *Node) PublicKeys() *jose.KeySet {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.keys.PublicSet()
}

// ActiveKey returns the key that signs new entries.
func (n *Node) ActiveKey() *jose.Key {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.keys.Active()
}

// mutation builds the next version of one record. l reads the feed as of
// this write: the store plus the writes ordered before it that are not
// committed yet (see pipeline.go); prev is the record's newest version
// there, or nil. It returns the record and its index keys. It may run more
// than once (a batch runs again when one of its writes fails), so it must
// not have side effects.
type mutation func(l feedReader, prev *registry.Entry) (record any, keys []registry.IndexKey, err error)

// announceKeys publishes a KindKey record for every key of the ring the feed
// has not announced.
func (n *Node) announceKeys(ctx context.Context) error {
	n.mu.RLock()
	ring := append([]*jose.Key(nil), n.keys.Keys...)
	n.mu.RUnlock()
	return n.announceRing(ctx, ring)
}

// announceRing announces the keys of ring the feed has not announced (see
// announceKeys), each signed by the newest key announced before it. A
// feed that holds entries and announces none of ring's keys is refused
// (ErrConflict): it was signed by keys the ring does not hold (keys.json
// lost or replaced, or another node's store), and a key introducing itself
// there would have no chain to the one peers pin, while every entry
// before it fails against the node's JWKS.
func (n *Node) announceRing(ctx context.Context, ring []*jose.Key) error {
	announced := map[string]bool{}
	var kids []string // announced, in id order
	var last string
	var size uint64
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		size = tx.Log(SelfLog).Size()
		return tx.Log(SelfLog).Scan(registry.KindKey, func(e registry.Entry) bool {
			announced[e.ID] = true
			kids = append(kids, e.ID)
			return true
		})
	})
	if err != nil {
		return err
	}
	// The newest announced key signs the next announcement.
	var signer *jose.Key
	for _, k := range ring {
		if announced[k.KID] {
			signer = k
			last = k.KID
		}
	}
	if signer == nil && size > 0 {
		held := make([]string, len(ring))
		for i, k := range ring {
			held[i] = k.KID
		}
		return fmt.Errorf("node: the store's feed holds %d entries signed by keys this keyring does not hold (the feed announces %s; the keyring holds %s): "+
			"keys.json was lost or replaced, or the store is another node's; put back the keys.json that goes with this store (or the store that goes with this keys.json): %w",
			size, strings.Join(kids, ", "), strings.Join(held, ", "), registry.ErrConflict)
	}
	for _, k := range ring {
		if announced[k.KID] {
			continue
		}
		if signer == nil {
			signer = k // the first key introduces itself; peers pin it out of band
		}
		jwk, err := k.Public().JWK()
		if err != nil {
			return err
		}
		pop, err := json.Marshal(registry.KeyPossession{Iss: n.cfg.Jurisdiction, KID: k.KID})
		if err != nil {
			return err
		}
		popJWS, err := k.Sign(pop, registry.KeyPossessionType)
		if err != nil {
			return fmt.Errorf("announce key %s: proof of possession: %w", k.KID, err)
		}
		rec := registry.KeyAnnouncement{KID: k.KID, Alg: k.Alg, JWK: json.RawMessage(jwk), Status: k.Status, Replaces: last, PoP: popJWS}
		if _, err := n.commit(ctx, registry.KindKey, k.KID, signer, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
			return rec, nil, nil
		}); err != nil {
			return fmt.Errorf("announce key %s: %w", k.KID, err)
		}
		signer, last = k, k.KID
	}
	return nil
}

// Feed returns up to limit entries of the node's feed after sequence after,
// and the feed's size. limit must be 1 to registry.MaxScan (a
// *registry.ValidationError naming "query.limit" otherwise): there is no
// "all", so no request costs more as the feed grows. Use Size for the size
// alone.
func (n *Node) Feed(ctx context.Context, after uint64, limit int) (entries []registry.Entry, size uint64, err error) {
	if limit < 1 || limit > registry.MaxScan {
		return nil, 0, registry.Invalid("query.limit", "must be 1 to %d", registry.MaxScan)
	}
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		size = l.Size()
		entries, err = l.Entries(after, limit)
		return err
	})
	return entries, size, err
}

// Size returns the number of entries in the node's feed. O(1).
// FeedVersion returns a number that grows whenever the feed does (and
// may grow more often; it never goes back), read without a transaction; ok is false when
// the store cannot tell (then compare Size). A write is acknowledged only
// once the number has changed.
func (n *Node) FeedVersion() (v uint64, ok bool) {
	if s, ok := n.db.(interface{ LogVersion(name string) uint64 }); ok {
		return s.LogVersion(SelfLog), true
	}
	return 0, false
}

func (n *Node) Size(ctx context.Context) (size uint64, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		size = tx.Log(SelfLog).Size()
		return nil
	})
	return size, err
}

// Entry returns the entry at seq.
func (n *Node) Entry(ctx context.Context, seq uint64) (e registry.Entry, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		e, err = tx.Log(SelfLog).Entry(seq)
		return err
	})
	return e, err
}

// Record returns the newest version of (kind, id).
func (n *Node) Record(ctx context.Context, kind registry.Kind, id string) (e registry.Entry, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		e, err = tx.Log(SelfLog).Latest(kind, id)
		return err
	})
	if errors.Is(err, registry.ErrNotFound) {
		err = fmt.Errorf("%s %q: %w", kind, id, registry.ErrNotFound)
	}
	return e, err
}

// Version returns version ver of (kind, id): one read, however many
// versions the record has.
func (n *Node) Version(ctx context.Context, kind registry.Kind, id string, ver uint64) (e registry.Entry, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		e, err = tx.Log(SelfLog).Version(kind, id, ver)
		return err
	})
	if errors.Is(err, registry.ErrNotFound) {
		err = fmt.Errorf("%s %q has no version %d: %w", kind, id, ver, registry.ErrNotFound)
	}
	return e, err
}

// Versions returns every version of (kind, id), oldest first.
func (n *Node) Versions(ctx context.Context, kind registry.Kind, id string) (es []registry.Entry, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		es, err = tx.Log(SelfLog).Versions(kind, id)
		return err
	})
	if err == nil && len(es) == 0 {
		err = fmt.Errorf("%s %q: %w", kind, id, registry.ErrNotFound)
	}
	return es, err
}

// All returns the newest version of every record of kind, for the small
// kinds (certifying partners, keys, rules). A kind with more than MaxLimit
// records wraps registry.ErrInvalid (nothing per request may grow with the
// registry: search or page instead); the check is O(1).
func (n *Node) All(ctx context.Context, kind registry.Kind) (es []registry.Entry, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		if c := l.Count(kind); c > MaxLimit {
			return fmt.Errorf("%d records of kind %s, more than the %d a list returns: %w", c, kind, MaxLimit, registry.ErrInvalid)
		}
		return l.Scan(kind, func(e registry.Entry) bool {
			es = append(es, e)
			return true
		})
	})
	return es, err
}

// Each calls fn with the newest version of every record of kind, in id
// order, in one read transaction (one consistent state of the feed), until
// fn returns an error (Each returns it) or ctx ends. It is for the
// computations over the whole registry that a caller keeps and reuses (the
// measurement model's holders and process metrics), not for answering a
// request: its cost is the number of records. fn must not start another
// transaction of the node.
func (n *Node) Each(ctx context.Context, kind registry.Kind, fn func(registry.Entry) error) error {
	return n.db.View(ctx, func(tx registry.StoreTx) error {
		var ferr error
		i := 0
		err := tx.Log(SelfLog).Scan(kind, func(e registry.Entry) bool {
			if i++; i%1024 == 0 {
				if ferr = ctx.Err(); ferr != nil {
					return false
				}
			}
			ferr = fn(e)
			return ferr == nil
		})
		if err != nil {
			return err
		}
		return ferr
	})
}

// decode unmarshals an entry's record into v.
func decode[T any](e registry.Entry) (T, error) {
	var v T
	if err := registry.DecodeRecord(e.Record, &v); err != nil {
		return v, fmt.Errorf("stored %s %s v%d: %w", e.Kind, e.ID, e.Ver, err)
	}
	return v, nil
}

// Decode unmarshals an entry's record into a value of type T. The
// strings of a certificate, employer, equivalency or letter may share one
// buffer (registry.DecodeRecord reads them as slices of one copy): a
// value kept long (a cache, an index by id) keeps strings.Clone copies of
// what it needs, or the whole record stays in memory.
func Decode[T any](e registry.Entry) (T, error) { return decode[T](e) }
