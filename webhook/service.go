package webhook

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Event types.
const (
	EventStatusChanged      = "certificate.status_changed"
	EventExpiring           = "certificate.expiring"
	EventRecognitionChanged = "recognition.changed"
	EventPeerMisbehaving    = "peer.misbehaving"
	EventPeerReinstated     = "peer.reinstated"
)

// Defaults of Config.
const (
	DefaultDisableAfter = 72 * time.Hour
	DefaultPoll         = 2 * time.Second
	DefaultTimeout      = 15 * time.Second
	MaxWatches          = 1000
	maxPage             = 500
	maxReplay           = 10_000
	// DefaultMaxPending is the default bound of a subscription's queue
	// (Config.MaxPending).
	DefaultMaxPending = 10_000
)

// DefaultExpiringDays are the expiry warnings of a subscription that names
// none.
var DefaultExpiringDays = []int{30, 7}

// Config configures the Service.
type Config struct {
	Node       *node.Node
	Federation *federation.Federation
	Lookups    *federation.Lookups
	// Keys sign the webhooks (LoadKeys); SetKeys replaces them after a
	// rotation.
	Keys *Keys
	// Dir is the data directory: the outbox is Dir/outbox.db.
	Dir string
	// Egress says which addresses subscriptions may name and deliveries
	// may dial; the zero value allows public addresses only.
	Egress Egress
	// Client delivers; default: Egress.Client(DefaultTimeout), which
	// follows no redirect (a 3xx is a failure, as Standard Webhooks
	// advises) and dials only what Egress allows.
	Client *http.Client
	// Backoff is the wait after the n-th failed attempt (n >= 1); default
	// 5 s × 2^(n-1), at most 6 h, with ±20% jitter.
	Backoff func(n int) time.Duration
	// DisableAfter is how long a subscription may fail before it is
	// disabled; default 72 h.
	DisableAfter time.Duration
	// Poll is how often the outbox looks for work without being woken;
	// default 2 s.
	Poll time.Duration
	// MaxPending bounds each subscription's queue; default
	// DefaultMaxPending. A status change that finds the queue full is not
	// lost: the subscription records the seq it stopped at (ReplayFrom)
	// and the outbox queues the log from there as the queue drains.
	MaxPending int
	// OnError, if set, hears errors of the background work (cmd logs them).
	OnError func(error)
	// Now is the clock of deliveries (timestamps, backoff, disabling);
	// default time.Now. Dates (expiry) are the node's.
	Now func() time.Time
}

// Service keeps the subscriptions, turns log entries into events and
// delivers them. Safe for concurrent use.
type Service struct {
	cfg  Config
	ob   *outbox
	wake chan struct{}
	keys atomic.Pointer[Keys]

	mu       sync.Mutex
	subs     map[string]Subscription // active and disabled, without Pending
	inflight map[string]bool
	day      registry.Date // the last expiring scan
	pairsDue bool          // a recognition pair's answer could not be had: check the pairs at the next step
}

// Open opens (creating) the outbox in cfg.Dir.
func Open(cfg Config) (*Service, error) {
	if cfg.Node == nil || cfg.Federation == nil || cfg.Keys == nil {
		return nil, fmt.Errorf("webhook: node, federation and keys are required: %w", registry.ErrInvalid)
	}
	if cfg.Lookups == nil {
		cfg.Lookups = federation.NewLookups(cfg.Federation)
	}
	if cfg.Client == nil {
		cfg.Client = cfg.Egress.Client(DefaultTimeout)
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = DefaultDisableAfter
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ob, err := openOutbox(filepath.Join(cfg.Dir, OutboxFile))
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, ob: ob, wake: make(chan struct{}, 1), subs: map[string]Subscription{}, inflight: map[string]bool{}}
	s.keys.Store(cfg.Keys)
	err = ob.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSubs).ForEach(func(k, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return err
			}
			s.subs[sub.ID] = sub
			return nil
		})
	})
	if err != nil {
		ob.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the outbox. Run must have returned.
func (s *Service) Close() error { return s.ob.db.Close() }

// DefaultBackoff is 5 s × 2^(n-1), at most 6 h, with ±20% jitter.
func DefaultBackoff(n int) time.Duration {
	d := 5 * time.Second << min(n-1, 12)
	d = min(d, 6*time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Keys returns the webhook signing keys.
func (s *Service) Keys() *Keys { return s.keys.Load() }

// SetKeys replaces the signing keys (after `corfed webhook-key rotate`
// rewrote the key file): the next attempt is signed with them.
func (s *Service) SetKeys(ks *Keys) {
	if ks != nil {
		s.keys.Store(ks)
	}
}

// SigningKeys returns the keys that sign now: the active key and, during
// a rotation's overlap, the key it replaced.
func (s *Service) SigningKeys() []*Key { return s.Keys().Signing(s.cfg.Now()) }

// JWKs returns the webhook keys published now, as JSON JWKs for the
// node's JWKS: the active key and, during a rotation's overlap, the key
// it replaced.
func (s *Service) JWKs() []json.RawMessage {
	var out []json.RawMessage
	for _, k := range s.Keys().JWKs(s.cfg.Now()) {
		b, err := json.Marshal(k)
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}

// Wake makes the outbox look for work now (new entries, due messages).
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run follows the logs and delivers until ctx ends; it waits for the
// deliveries in flight before it returns.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil && s.cfg.OnError != nil {
			s.cfg.OnError(err)
		}
		s.dispatch(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Step reads what the logs gained since the cursors and queues its events;
// then the recognition pairs, the peers' state and (once a day) expiring
// certificates.
func (s *Service) Step(ctx context.Context) error {
	grew, err := s.scanLogs(ctx)
	if err != nil {
		return err
	}
	if err := s.catchUp(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	pairs := grew || s.pairsDue
	s.pairsDue = false
	s.mu.Unlock()
	var pairErr error
	if pairs {
		pairErr = s.checkPairs(ctx) // the peers and expiring certificates are checked all the same
	}
	if err := s.checkPeers(ctx); err != nil {
		return errors.Join(pairErr, err)
	}
	today := s.cfg.Node.Today()
	s.mu.Lock()
	due := s.day != today
	s.mu.Unlock()
	if due {
		if err := s.checkExpiring(ctx, today); err != nil {
			return errors.Join(pairErr, err)
		}
		s.mu.Lock()
		s.day = today
		s.mu.Unlock()
	}
	return pairErr
}

// activeSubs returns the active subscriptions, sorted by id: those the
// outbox delivers to.
func (s *Service) activeSubs() []Subscription { return s.subsWhere(true) }

// allSubs returns every subscription, active or disabled, sorted by id:
// those the outbox queues events for. A disabled subscription is only not
// delivered to; what happens meanwhile waits in its queue, so that
// re-enabled it hears all of it (at least once).
func (s *Service) allSubs() []Subscription { return s.subsWhere(false) }

func (s *Service) subsWhere(activeOnly bool) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		if !activeOnly || sub.Status == SubActive {
			out = append(out, sub)
		}
	}
	slices.SortFunc(out, func(a, b Subscription) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// event is a webhook before it is addressed: key makes its id.
type event struct {
	key  string
	typ  string
	data any
	// matches says which subscriptions get it; replay, which get it again
	// on a replay.
	matches, replay func(Subscription) bool
	// log and seq name the entry of an event raised by a log entry (seq 0
	// otherwise): the one a full queue records in ReplayFrom.
	log registry.Jurisdiction
	seq uint64
}

// payload is the webhook body (Standard Webhooks' recommended shape).
type payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// freshSubs returns the listed subscriptions as tx holds them, without
// those deleted since they were listed: queue's argument.
func freshSubs(tx *bbolt.Tx, listed []Subscription) ([]Subscription, error) {
	out := make([]Subscription, 0, len(listed))
	for _, l := range listed {
		sub, ok, err := loadSub(tx, l.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sub)
		}
	}
	return out, nil
}

// queue puts ev into the queue of each subscription of subs (as tx holds
// them: freshSubs) it matches. A log entry's event is not queued for a
// subscription that is behind on that log (ReplayFrom: catchUp queues it
// in log order) nor into a full queue: the subscription then records the
// entry's seq as the one to go on from (in subs too).
func (s *Service) queue(tx *bbolt.Tx, subs []Subscription, ev event) error {
	for i := range subs {
		sub := &subs[i]
		if ev.matches != nil && !ev.matches(*sub) {
			continue
		}
		if ev.seq != 0 {
			if sub.ReplayFrom[ev.log] != 0 {
				continue
			}
			if queueLen(tx, sub.ID) >= s.cfg.MaxPending {
				if sub.ReplayFrom == nil {
					sub.ReplayFrom = map[registry.Jurisdiction]uint64{}
				}
				sub.ReplayFrom[ev.log] = ev.seq
				if err := s.storeSub(tx, *sub); err != nil {
					return err
				}
				continue
			}
		}
		if err := s.queueOne(tx, sub.ID, ev); err != nil {
			return err
		}
	}
	return nil
}

// storeSub writes sub and makes the map follow, inside tx (the map then
// follows the file in the order of its transactions; a write that fails
// to commit is undone by reload).
func (s *Service) storeSub(tx *bbolt.Tx, sub Subscription) error {
	if err := putSub(tx, sub); err != nil {
		return err
	}
	sub.Pending = 0
	s.mu.Lock()
	s.subs[sub.ID] = sub
	s.mu.Unlock()
	return nil
}

func (s *Service) queueOne(tx *bbolt.Tx, sub string, ev event) error {
	if tx.Bucket(bucketSubs).Get([]byte(sub)) == nil {
		return nil // deleted since the caller listed it: no queue comes back
	}
	body, err := json.Marshal(payload{Type: ev.typ, Timestamp: s.cfg.Now().UTC(), Data: ev.data})
	if err != nil {
		return err
	}
	return enqueue(tx, sub, message{ID: messageID(sub, ev.key), Type: ev.typ, Body: body})
}

// StatusChange is the data of certificate.status_changed: a thin payload
// naming the signed entry (issuer and seq) so that the receiver fetches
// and verifies the record itself (GET {issuer's node}/v1/feed?after=seq-1&limit=1).
type StatusChange struct {
	Jurisdiction   registry.Jurisdiction `json:"jurisdiction"`
	Seq            uint64                `json:"seq" doc:"The entry's index in its issuer's log (leaf seq-1)."`
	Certificate    string                `json:"certificate"`
	Ver            uint64                `json:"ver"`
	EmployerBN     string                `json:"employer_bn"`
	Status         string                `json:"status"`
	PreviousStatus string                `json:"previous_status"`
}

func certWatched(sub Subscription, iss registry.Jurisdiction, id, bn string) bool {
	for _, w := range sub.Watch {
		switch {
		case w.pair():
		case w.Certificate != "":
			if w.Certificate == id && (w.Jurisdiction == "" || w.Jurisdiction == iss) {
				return true
			}
		case w.BN != "":
			if w.BN == bn {
				return true
			}
		case w.Jurisdiction == iss:
			return true
		}
	}
	return false
}

// entryEvent returns the event of one entry, or nil.
func entryEvent(l registry.Log, e registry.Entry) (*event, error) {
	if e.Kind != registry.KindCertificate {
		return nil, nil
	}
	var c registry.Certificate
	if err := json.Unmarshal(e.Record, &c); err != nil {
		return nil, nil // a record that does not decode tells nothing
	}
	prevStatus := ""
	if e.Ver > 1 {
		p, err := l.Version(e.Kind, e.ID, e.Ver-1)
		if err != nil {
			return nil, err
		}
		var pc registry.Certificate
		if json.Unmarshal(p.Record, &pc) == nil {
			prevStatus = pc.Status
		}
		if prevStatus == c.Status {
			return nil, nil
		}
	}
	iss, id, bn, seq := e.Iss, c.ID, c.EmployerBN, e.Seq
	return &event{
		log:  e.Iss,
		seq:  e.Seq,
		key:  fmt.Sprintf("entry/%s/%d", e.Iss, e.Seq),
		typ:  EventStatusChanged,
		data: StatusChange{Jurisdiction: e.Iss, Seq: e.Seq, Certificate: c.ID, Ver: e.Ver, EmployerBN: c.EmployerBN, Status: c.Status, PreviousStatus: prevStatus},
		matches: func(sub Subscription) bool {
			return seq > sub.StartSeq[iss] && certWatched(sub, iss, id, bn)
		},
		replay: func(sub Subscription) bool { return certWatched(sub, iss, id, bn) },
	}, nil
}

// scanLogs reads every log past its cursor, a page at a time; each page's
// events go into the queues in the transaction that moves the cursor.
func (s *Service) scanLogs(ctx context.Context) (grew bool, err error) {
	n := s.cfg.Node
	for _, j := range s.cfg.Federation.Members() {
		for {
			var cursor uint64
			if err := s.ob.db.View(func(tx *bbolt.Tx) error {
				cursor = getU64(tx.Bucket(bucketCursors).Get([]byte(j)))
				return nil
			}); err != nil {
				return grew, err
			}
			var evs []event
			var last uint64
			var size uint64
			err := n.View(ctx, func(sn node.Snapshot) error {
				l := n.LogOf(sn, j)
				size = l.Size()
				if size <= cursor {
					return nil
				}
				es, err := l.Entries(cursor, maxPage)
				if err != nil {
					return err
				}
				for _, e := range es {
					ev, err := entryEvent(l, e)
					if err != nil {
						return err
					}
					if ev != nil {
						evs = append(evs, *ev)
					}
					last = e.Seq
				}
				return nil
			})
			if err != nil {
				return grew, err
			}
			if last == 0 {
				break
			}
			grew = true
			subs := s.allSubs()
			if len(subs) == 0 {
				// Nobody to tell: skip to the end.
				evs, last = nil, size
			}
			err = s.ob.db.Update(func(tx *bbolt.Tx) error {
				// Another Step may have moved the cursor: only forward.
				if getU64(tx.Bucket(bucketCursors).Get([]byte(j))) != cursor {
					return nil
				}
				fresh, err := freshSubs(tx, subs)
				if err != nil {
					return err
				}
				for _, ev := range evs {
					if err := s.queue(tx, fresh, ev); err != nil {
						return err
					}
				}
				return tx.Bucket(bucketCursors).Put([]byte(j), u64(last))
			})
			if err != nil {
				for _, sub := range subs {
					s.reload(sub.ID) // the map may hold a ReplayFrom that did not commit
				}
				return grew, err
			}
			if last >= size {
				break
			}
		}
	}
	return grew, nil
}

// catchUp queues, for each subscription behind on a log (its queue was
// full when the log grew: ReplayFrom), that log's events from where it
// stopped, as far as its queue has room and at most a page per log and
// step, in log order and with the ids they would have had. Once it reaches
// the outbox's cursor the subscription is no longer behind, and the log's
// next events are queued for it as for the others.
func (s *Service) catchUp(ctx context.Context) error {
	n := s.cfg.Node
	for _, sub := range s.allSubs() {
		for _, j := range slices.Sorted(maps.Keys(sub.ReplayFrom)) {
			from := sub.ReplayFrom[j]
			var cursor uint64
			room := 0
			if err := s.ob.db.View(func(tx *bbolt.Tx) error {
				cursor = getU64(tx.Bucket(bucketCursors).Get([]byte(j)))
				room = s.cfg.MaxPending - queueLen(tx, sub.ID)
				return nil
			}); err != nil {
				return err
			}
			if room <= 0 && from <= cursor {
				continue // still full: it waits for deliveries
			}
			var evs []event
			last := from - 1 // the last seq read
			if from <= cursor {
				err := n.View(ctx, func(sn node.Snapshot) error {
					l := n.LogOf(sn, j)
					es, err := l.Entries(from-1, int(min(uint64(maxPage), cursor-(from-1))))
					if err != nil {
						return err
					}
					for _, e := range es {
						ev, err := entryEvent(l, e)
						if err != nil {
							return err
						}
						if ev != nil && ev.matches(sub) {
							if len(evs) == room {
								break // the rest when there is room
							}
							evs = append(evs, *ev)
						}
						last = e.Seq
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			err := s.ob.db.Update(func(tx *bbolt.Tx) error {
				cur, ok, err := loadSub(tx, sub.ID)
				if err != nil || !ok || cur.ReplayFrom[j] != from {
					return err // deleted, or moved by another step
				}
				for _, ev := range evs {
					if err := s.queueOne(tx, cur.ID, ev); err != nil {
						return err
					}
				}
				if last >= getU64(tx.Bucket(bucketCursors).Get([]byte(j))) {
					delete(cur.ReplayFrom, j) // caught up: scanLogs queues what comes next
				} else {
					cur.ReplayFrom[j] = last + 1
				}
				return s.storeSub(tx, cur)
			})
			if err != nil {
				s.reload(sub.ID)
				return err
			}
		}
	}
	return nil
}

// Recognition is the data of recognition.changed.
type Recognition struct {
	Employer        string                `json:"employer"`
	Host            registry.Jurisdiction `json:"host"`
	Sector          string                `json:"sector,omitempty"`
	Use             string                `json:"use"`
	Outcome         string                `json:"outcome"`
	Basis           string                `json:"basis,omitempty"`
	PreviousOutcome string                `json:"previous_outcome"`
	PreviousBasis   string                `json:"previous_basis,omitempty"`
	Evidence        []registry.Ref        `json:"evidence,omitempty" doc:"The signed entries the new answer rests on (issuer, seq)."`
}

// checkPairs decides every watched recognition pair again and queues
// recognition.changed where the outcome or its basis changed.
func (s *Service) checkPairs(ctx context.Context) error {
	return s.checkPairsOf(ctx, s.allSubs())
}

// checkPairsOf does checkPairs for subs. A pair whose answer cannot be had
// does not keep the others from theirs: every pair is checked, and the
// errors are returned together.
func (s *Service) checkPairsOf(ctx context.Context, subs []Subscription) error {
	var errs []error
	for _, sub := range subs {
		for _, w := range sub.Watch {
			if !w.pair() {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			use := w.Use
			if use == "" {
				use = equivalence.UseWork
			}
			a, err := s.cfg.Lookups.Recognize(ctx, equivalence.Question{BN: w.Employer, Host: w.Host, Sector: w.Sector, Use: use})
			if err != nil {
				errs = append(errs, fmt.Errorf("subscription %s, recognition %s in %s: %w", sub.ID, w.Employer, w.Host, err))
				s.mu.Lock()
				s.pairsDue = true
				s.mu.Unlock()
				continue
			}
			now := a.Decision.Outcome + "/" + a.Decision.Basis
			key := []byte(fmt.Sprintf("pair/%s/%s/%s/%s/%s", sub.ID, w.Employer, w.Host, w.Sector, use))
			err = s.ob.db.Update(func(tx *bbolt.Tx) error {
				if tx.Bucket(bucketSubs).Get([]byte(sub.ID)) == nil {
					return nil // deleted meanwhile
				}
				st := tx.Bucket(bucketState)
				prev := st.Get(key)
				var was string
				var count uint64
				if prev != nil {
					var v struct {
						Answer string
						N      uint64
					}
					if json.Unmarshal(prev, &v) == nil {
						was, count = v.Answer, v.N
					}
				}
				if prev != nil && was == now {
					return nil
				}
				if prev != nil && queueLen(tx, sub.ID) >= s.cfg.MaxPending {
					// Full: the answer is not recorded as told, so the next
					// check after a log grows tells it (from the last answer
					// told to the one then).
					return nil
				}
				if prev != nil {
					count++
					r := Recognition{Employer: w.Employer, Host: w.Host, Sector: w.Sector, Use: use, Outcome: a.Decision.Outcome, Basis: a.Decision.Basis}
					r.PreviousOutcome, r.PreviousBasis, _ = cut2(was)
					for _, e := range a.Evidence {
						r.Evidence = append(r.Evidence, e.Ref)
					}
					if err := s.queueOne(tx, sub.ID, event{key: string(key) + "/" + strconv.FormatUint(count, 10), typ: EventRecognitionChanged, data: r}); err != nil {
						return err
					}
				}
				b, _ := json.Marshal(struct {
					Answer string
					N      uint64
				}{now, count})
				return st.Put(key, b)
			})
			if err != nil {
				return err
			}
		}
	}
	return errors.Join(errs...)
}

func cut2(s string) (a, b string, ok bool) {
	i := bytes.IndexByte([]byte(s), '/')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// PeerMisbehaving is the data of peer.misbehaving.
type PeerMisbehaving struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Reason       string                `json:"reason,omitempty"`
	DetectedAt   time.Time             `json:"detected_at,omitzero"`
}

// PeerReinstated is the data of peer.reinstated: the administrator lifted
// a peer's misbehaving mark (federation.Reinstate).
type PeerReinstated struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Reason       string                `json:"reason" doc:"The administrator's reason."`
	MarkedAt     time.Time             `json:"marked_at" doc:"When the mark lifted was made."`
	At           time.Time             `json:"at"`
}

// checkPeers queues, to every subscription (active or disabled; whatever
// the queue's bound), peer.misbehaving once per mark of a peer and
// peer.reinstated once per mark the administrator lifted. A peer's first
// mark is keyed by the peer alone (as before marks could be lifted, so
// that one announced then is not announced again); a mark after a lifted
// one, and each lifting, by its time.
func (s *Service) checkPeers(ctx context.Context) error {
	peers, err := s.cfg.Federation.Peers(ctx)
	if err != nil {
		return err
	}
	for _, p := range peers {
		for _, r := range p.Reinstated {
			key := "reinstated/" + string(p.Jurisdiction) + "/" + r.At.UTC().Format(time.RFC3339Nano)
			d := PeerReinstated{Jurisdiction: p.Jurisdiction, Reason: r.Reason, MarkedAt: r.Mark.DetectedAt, At: r.At}
			if err := s.queueOnce(key, EventPeerReinstated, d); err != nil {
				return err
			}
		}
		if !p.Misbehaving {
			continue
		}
		key := "misbehaving/" + string(p.Jurisdiction)
		d := PeerMisbehaving{Jurisdiction: p.Jurisdiction}
		if p.Evidence != nil {
			d.Reason, d.DetectedAt = p.Evidence.Reason, p.Evidence.DetectedAt
		}
		if len(p.Reinstated) > 0 {
			key += "/" + d.DetectedAt.UTC().Format(time.RFC3339Nano)
		}
		if err := s.queueOnce(key, EventPeerMisbehaving, d); err != nil {
			return err
		}
	}
	return nil
}

// queueOnce queues an event of type typ to every subscription unless an
// event was queued under key before.
func (s *Service) queueOnce(key, typ string, data any) error {
	// Every poll asks again: a read-only look first, so that a peer's
	// events queued before cost no write transaction (and no fsync).
	var queued bool
	if err := s.ob.db.View(func(tx *bbolt.Tx) error {
		queued = tx.Bucket(bucketState).Get([]byte(key)) != nil
		return nil
	}); err != nil || queued {
		return err
	}
	subs := s.allSubs()
	return s.ob.db.Update(func(tx *bbolt.Tx) error {
		st := tx.Bucket(bucketState)
		if st.Get([]byte(key)) != nil {
			return nil
		}
		fresh, err := freshSubs(tx, subs)
		if err != nil {
			return err
		}
		if err := s.queue(tx, fresh, event{key: key, typ: typ, data: data}); err != nil {
			return err
		}
		return st.Put([]byte(key), []byte{1})
	})
}

// Expiring is the data of certificate.expiring.
type Expiring struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Seq          uint64                `json:"seq"`
	Certificate  string                `json:"certificate"`
	EmployerBN   string                `json:"employer_bn"`
	ExpiresOn    registry.Date         `json:"expires_on"`
	Days         int                   `json:"days" doc:"Days left on the day of the warning."`
	Within       int                   `json:"within" doc:"The subscription's threshold that was crossed."`
}

// checkExpiring warns each subscription once per threshold for each
// watched active certificate expiring within it.
func (s *Service) checkExpiring(ctx context.Context, today registry.Date) error {
	n := s.cfg.Node
	for _, sub := range s.allSubs() {
		type found struct {
			e registry.Entry
			c registry.Certificate
		}
		days := slices.Clone(sub.ExpiringDays)
		slices.Sort(days)
		if len(days) == 0 {
			continue
		}
		// Only what may warn is kept: active today and expiring within the
		// largest threshold (a subscription to a whole jurisdiction reads
		// every certificate of it, and holds only these).
		var certs []found
		err := n.View(ctx, func(sn node.Snapshot) error {
			for _, j := range s.cfg.Federation.Members() {
				l := n.LogOf(sn, j)
				add := func(e registry.Entry) {
					var c registry.Certificate
					if json.Unmarshal(e.Record, &c) != nil || c.Jurisdiction != j || c.StatusOn(today) != registry.StatusActive ||
						daysLeft(c, today) > days[len(days)-1] {
						return
					}
					certs = append(certs, found{e, c})
				}
				for _, w := range sub.Watch {
					switch {
					case w.pair():
					case w.Certificate != "":
						if w.Jurisdiction != "" && w.Jurisdiction != j {
							continue
						}
						if e, err := l.Latest(registry.KindCertificate, w.Certificate); err == nil {
							add(e)
						}
					case w.BN != "":
						refs, err := l.Lookup("bn", w.BN, false, node.MaxLimit)
						if err != nil {
							return err
						}
						for _, r := range refs {
							if r.Kind != registry.KindCertificate {
								continue
							}
							if e, err := l.Latest(r.Kind, r.ID); err == nil {
								add(e)
							}
						}
					case w.Jurisdiction == j:
						if err := l.Scan(registry.KindCertificate, func(e registry.Entry) bool { add(e); return true }); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = s.ob.db.Update(func(tx *bbolt.Tx) error {
			if tx.Bucket(bucketSubs).Get([]byte(sub.ID)) == nil {
				return nil // deleted meanwhile
			}
			st := tx.Bucket(bucketState)
			room := s.cfg.MaxPending - queueLen(tx, sub.ID)
			for _, f := range certs {
				if room <= 0 {
					// Full: what is not queued is not recorded as told,
					// so a later day's check tells the threshold then
					// crossed.
					break
				}
				left := daysLeft(f.c, today)
				// The smallest threshold crossed; the larger ones are
				// then told too.
				i := slices.IndexFunc(days, func(d int) bool { return left <= d })
				if i < 0 {
					continue
				}
				key := fmt.Sprintf("expiring/%s/%s/%s/%s/%d", sub.ID, f.e.Iss, f.c.ID, f.c.ExpiresOn, days[i])
				if st.Get([]byte(key)) != nil {
					continue
				}
				ev := event{key: key[len("expiring/"+sub.ID):], typ: EventExpiring,
					data: Expiring{Jurisdiction: f.e.Iss, Seq: f.e.Seq, Certificate: f.c.ID, EmployerBN: f.c.EmployerBN, ExpiresOn: f.c.ExpiresOn, Days: left, Within: days[i]}}
				if err := s.queueOne(tx, sub.ID, ev); err != nil {
					return err
				}
				room--
				for _, d := range days[i:] {
					if err := st.Put([]byte(fmt.Sprintf("expiring/%s/%s/%s/%s/%d", sub.ID, f.e.Iss, f.c.ID, f.c.ExpiresOn, d)), []byte{1}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// daysLeft is the days from today to c's expiry.
func daysLeft(c registry.Certificate, today registry.Date) int {
	return int(c.ExpiresOn.Time().Sub(today.Time()) / (24 * time.Hour))
}

// dispatch starts a delivery for each active subscription whose head is
// due and that has none in flight.
func (s *Service) dispatch(ctx context.Context, wg *sync.WaitGroup) {
	now := s.cfg.Now()
	for _, sub := range s.activeSubs() {
		s.mu.Lock()
		busy := s.inflight[sub.ID]
		s.mu.Unlock()
		if busy {
			continue
		}
		var key []byte
		var m message
		var ok bool
		if err := s.ob.db.View(func(tx *bbolt.Tx) error {
			var err error
			key, m, ok, err = head(tx, sub.ID)
			return err
		}); err != nil || !ok || m.NextAt.After(now) {
			continue
		}
		s.mu.Lock()
		s.inflight[sub.ID] = true
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.deliver(ctx, sub, key, m)
			s.mu.Lock()
			delete(s.inflight, sub.ID)
			s.mu.Unlock()
			s.Wake()
		}()
	}
}

// NewSubscription is what an administrator gives to subscribe.
type NewSubscription struct {
	URL          string  `json:"url" minLength:"1" maxLength:"2048" doc:"The endpoint (http or https, no credentials) that receives the webhooks: a public address unless the node's operator allows private ones (--webhook-allow, --webhook-allow-private)."`
	Watch        []Watch `json:"watch" minItems:"1" maxItems:"1000"`
	ExpiringDays []int   `json:"expiring_days,omitempty" maxItems:"5" doc:"Default [30, 7]."`
	Description  string  `json:"description,omitempty" maxLength:"200"`
}

// Validate checks a new subscription.
func (ns NewSubscription) Validate() error {
	u, err := url.Parse(ns.URL)
	var errs []error
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		errs = append(errs, registry.Invalid("body.url", "an absolute http or https URL without credentials"))
	}
	if len(ns.Watch) == 0 || len(ns.Watch) > MaxWatches {
		errs = append(errs, registry.Invalid("body.watch", "1 to %d watches", MaxWatches))
	} else {
		for i, w := range ns.Watch {
			errs = append(errs, w.Validate(fmt.Sprintf("body.watch[%d]", i)))
		}
	}
	for i, d := range ns.ExpiringDays {
		if d < 0 || d > 366 {
			errs = append(errs, registry.Invalid(fmt.Sprintf("body.expiring_days[%d]", i), "0 to 366 days"))
		}
	}
	errs = append(errs, registry.CheckText("body.description", ns.Description, 0, 200))
	return registry.JoinInvalid(errs...)
}

// Create stores a new subscription. Only the program administrator with
// the subscriptions:write scope may. Events are sent for what is read
// after it is created (replay reaches back).
func (s *Service) Create(ctx context.Context, p node.Principal, ns NewSubscription) (Subscription, error) {
	if err := requireAdmin(p); err != nil {
		return Subscription{}, err
	}
	// The URL's egress problem is reported with the body's others, once
	// the URL is well formed.
	err := ns.Validate()
	if !slices.Contains(registry.Fields(err), "body.url") {
		if uerr := s.cfg.Egress.CheckURL(ctx, ns.URL); errors.Is(uerr, registry.ErrInvalid) {
			err = registry.JoinInvalid(err, uerr)
		} else if uerr != nil {
			return Subscription{}, uerr
		}
	}
	if err != nil {
		return Subscription{}, err
	}
	days := ns.ExpiringDays
	if len(days) == 0 {
		days = DefaultExpiringDays
	}
	sub := Subscription{ID: newID(), URL: ns.URL, Watch: ns.Watch, ExpiringDays: slices.Clone(days), Description: ns.Description,
		CreatedAt: s.cfg.Now().UTC(), CreatedBy: p.Subject, Status: SubActive, StartSeq: map[registry.Jurisdiction]uint64{}}
	n := s.cfg.Node
	err = n.View(ctx, func(sn node.Snapshot) error {
		for _, j := range s.cfg.Federation.Members() {
			sub.StartSeq[j] = n.LogOf(sn, j).Size()
		}
		return nil
	})
	if err != nil {
		return Subscription{}, err
	}
	if err := s.ob.db.Update(func(tx *bbolt.Tx) error { return putSub(tx, sub) }); err != nil {
		return Subscription{}, err
	}
	s.mu.Lock()
	s.subs[sub.ID] = sub
	s.day = registry.Date{} // check its expiring certificates now
	s.mu.Unlock()
	// Its recognition pairs get their first answer (no event) now. The
	// subscription is stored: a lookup that fails here is retried by the
	// next step, which then records the first answer.
	if err := s.checkPairsOf(ctx, []Subscription{sub}); err != nil && s.cfg.OnError != nil {
		s.cfg.OnError(fmt.Errorf("subscription %s: %w", sub.ID, err))
	}
	s.Wake()
	return sub, nil
}

func requireAdmin(p node.Principal) error {
	if !p.Can(node.ScopeSubscriptions) {
		return fmt.Errorf("token lacks scope %s: %w", node.ScopeSubscriptions, registry.ErrForbidden)
	}
	if p.Role != node.RoleAdmin {
		return fmt.Errorf("only the program administrator manages subscriptions: %w", registry.ErrForbidden)
	}
	return nil
}

// Get returns a subscription.
func (s *Service) Get(ctx context.Context, p node.Principal, id string) (sub Subscription, err error) {
	if err := requireAdmin(p); err != nil {
		return sub, err
	}
	err = s.ob.db.View(func(tx *bbolt.Tx) error {
		sub, err = getSub(tx, id)
		return err
	})
	return sub, err
}

// List returns a page of the subscriptions, by id, at most limit (default
// 100, at most 1,000), after the cursor of the previous page.
func (s *Service) List(ctx context.Context, p node.Principal, limit int, cur string) (node.Page[Subscription], error) {
	if err := requireAdmin(p); err != nil {
		return node.Page[Subscription]{}, err
	}
	const list = "subscriptions"
	after, err := node.ParseListCursor(list, cur)
	if err != nil {
		return node.Page[Subscription]{}, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	out := node.Page[Subscription]{Items: []Subscription{}, TotalExact: true}
	err = s.ob.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		out.Total = b.Stats().KeyN
		c := b.Cursor()
		k, _ := c.Seek([]byte(after))
		if k != nil && after != "" && string(k) == after {
			k, _ = c.Next()
		}
		for ; k != nil; k, _ = c.Next() {
			if len(out.Items) == limit {
				out.Next = node.ListCursor(list, out.Items[limit-1].ID)
				break
			}
			sub, err := getSub(tx, string(k))
			if err != nil {
				return err
			}
			out.Items = append(out.Items, sub)
		}
		return nil
	})
	return out, err
}

// Delete removes a subscription with its queue (messages not yet
// delivered are dropped), its delivery log and what the outbox recorded
// telling it. A delivery in flight finishes but is not logged.
func (s *Service) Delete(ctx context.Context, p node.Principal, id string) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	err := s.ob.db.Update(func(tx *bbolt.Tx) error {
		if _, err := getSub(tx, id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSubs).Delete([]byte(id)); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketQueues, bucketLogs} {
			if tx.Bucket(b).Bucket([]byte(id)) != nil {
				if err := tx.Bucket(b).DeleteBucket([]byte(id)); err != nil {
					return err
				}
			}
		}
		if err := deleteSubState(tx, id); err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		s.reload(id)
	}
	return err
}

// Deliveries returns up to limit attempts of the subscription's delivery
// log, newest first, before the log position before (0: from the newest).
func (s *Service) Deliveries(ctx context.Context, p node.Principal, id string, limit int) ([]Delivery, error) {
	pg, err := s.DeliveriesPage(ctx, p, id, limit, "")
	return pg.Items, err
}

// DeliveriesPage returns a page of the subscription's delivery log, newest
// first, at most limit (default 100), after the cursor of the previous
// page (node.ListCursor: the log's sequence numbers), with the log's size
// as the exact total (the log keeps at most maxDeliveryLog).
func (s *Service) DeliveriesPage(ctx context.Context, p node.Principal, id string, limit int, cur string) (node.Page[Delivery], error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return node.Page[Delivery]{}, err
	}
	list := "deliveries/" + id
	pos, err := node.ParseListCursor(list, cur)
	if err != nil {
		return node.Page[Delivery]{}, err
	}
	var before uint64
	if pos != "" {
		if before, err = strconv.ParseUint(pos, 10, 64); err != nil {
			return node.Page[Delivery]{}, registry.Invalid("query.cursor", "the cursor is not one this node gave")
		}
	}
	if limit <= 0 || limit > maxDeliveryLog {
		limit = 100
	}
	out := node.Page[Delivery]{Items: []Delivery{}, TotalExact: true}
	err = s.ob.db.View(func(tx *bbolt.Tx) error {
		l := tx.Bucket(bucketLogs).Bucket([]byte(id))
		if l == nil {
			return nil
		}
		out.Total = int(min(l.Sequence(), maxDeliveryLog)) // every sequence number is put; the oldest beyond the bound go
		c := l.Cursor()
		k, v := c.Last()
		if before > 0 {
			if k, v = c.Seek(u64(before)); k == nil {
				k, v = c.Last()
			}
			for k != nil && binary.BigEndian.Uint64(k) >= before {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			if len(out.Items) == limit {
				out.Next = node.ListCursor(list, strconv.FormatUint(out.Items[limit-1].seq, 10))
				break
			}
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			d.seq = binary.BigEndian.Uint64(k)
			out.Items = append(out.Items, d)
		}
		return nil
	})
	return out, err
}

// SetActive enables (clearing its failure run) or disables a subscription.
// A disabled subscription's events keep being queued (see allSubs), so
// enabling it again delivers what happened meanwhile.
func (s *Service) SetActive(ctx context.Context, p node.Principal, id string, active bool) (Subscription, error) {
	if err := requireAdmin(p); err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err := s.ob.db.Update(func(tx *bbolt.Tx) error {
		var err error
		if sub, err = getSub(tx, id); err != nil {
			return err
		}
		if active {
			if sub.Status != SubActive {
				// Re-enabled, presumably once the endpoint is fixed: its
				// first message goes now, and a failure backs off from the
				// start again, rather than after the hours the disabled
				// run's backoff had reached.
				if err := retryNow(tx, id); err != nil {
					return err
				}
			}
			sub.Status, sub.DisabledReason, sub.FailingSince = SubActive, "", nil
		} else {
			sub.Status, sub.DisabledReason = SubDisabled, "disabled by "+p.Subject
		}
		if err := putSub(tx, sub); err != nil {
			return err
		}
		// The map follows the file in the order of its transactions (a
		// Delete after this one must not be undone by this write).
		s.mu.Lock()
		s.subs[id] = sub
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		s.reload(id)
		return sub, err
	}
	s.Wake()
	return sub, nil
}

// reload sets the map's entry for id from the file, after a write that
// changed the map inside its transaction failed to commit. It reads in a
// write transaction, as every change of the map is made: a write that
// commits meanwhile is ordered before or after it, never undone by it.
func (s *Service) reload(id string) {
	_ = s.ob.db.Update(func(tx *bbolt.Tx) error {
		sub, err := getSub(tx, id)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case err == nil:
			sub.Pending = 0
			s.subs[id] = sub
		case errors.Is(err, registry.ErrNotFound):
			delete(s.subs, id)
		}
		return nil
	})
}

// ReplayResult says what a replay queued.
type ReplayResult struct {
	Queued  int    `json:"queued"`
	NextSeq uint64 `json:"next_seq,omitempty" doc:"Replay stopped before this seq (at most 10,000 entries per call): call again from it."`
}

// Replay queues again, for one subscription, the events of jurisdiction
// j's log from seq from up to what the outbox has read, with their
// original webhook-ids.
func (s *Service) Replay(ctx context.Context, p node.Principal, id string, j registry.Jurisdiction, from uint64) (ReplayResult, error) {
	sub, err := s.Get(ctx, p, id)
	if err != nil {
		return ReplayResult{}, err
	}
	if !slices.Contains(s.cfg.Federation.Members(), j) {
		return ReplayResult{}, registry.Invalid("body.jurisdiction", "%s is not a member of this node's federation", j)
	}
	if from == 0 {
		from = 1
	}
	var cursor uint64
	if err := s.ob.db.View(func(tx *bbolt.Tx) error {
		cursor = getU64(tx.Bucket(bucketCursors).Get([]byte(j)))
		return nil
	}); err != nil {
		return ReplayResult{}, err
	}
	var res ReplayResult
	n := s.cfg.Node
	after := from - 1
	for after < cursor {
		if after-(from-1) >= maxReplay {
			res.NextSeq = after + 1
			break
		}
		var evs []event
		err := n.View(ctx, func(sn node.Snapshot) error {
			l := n.LogOf(sn, j)
			es, err := l.Entries(after, min(maxPage, int(cursor-after)))
			if err != nil {
				return err
			}
			for _, e := range es {
				ev, err := entryEvent(l, e)
				if err != nil {
					return err
				}
				if ev != nil && ev.replay(sub) {
					evs = append(evs, *ev)
				}
				after = e.Seq
			}
			if len(es) == 0 {
				after = cursor
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		err = s.ob.db.Update(func(tx *bbolt.Tx) error {
			for _, ev := range evs {
				if err := s.queueOne(tx, sub.ID, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Queued += len(evs)
	}
	s.Wake()
	return res, nil
}

// Waker forwards wake-ups to a Service made after the store it wraps (the
// node needs the store before the Service can exist).
type Waker struct{ s atomic.Pointer[Service] }

// Set names the Service to wake.
func (w *Waker) Set(s *Service) { w.s.Store(s) }

// Wake wakes the Service, if set.
func (w *Waker) Wake() {
	if s := w.s.Load(); s != nil {
		s.Wake()
	}
}

// NotifyingStore wraps the node's store so that every committed write
// (the node's own entries, replica pages, peer state) calls wake: the
// outbox's hook into the write path, with no change to node or federation.
func NotifyingStore(st registry.Store, wake func()) registry.Store {
	return notifying{st, wake}
}

type notifying struct {
	registry.Store
	wake func()
}

func (n notifying) Update(ctx context.Context, fn func(tx registry.StoreWriteTx) error) error {
	err := n.Store.Update(ctx, fn)
	if err == nil {
		n.wake()
	}
	return err
}

func (n notifying) UpdateAlone(ctx context.Context, fn func(tx registry.StoreWriteTx) error) error {
	err := n.Store.UpdateAlone(ctx, fn)
	if err == nil {
		n.wake()
	}
	return err
}
