package webhook

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
)

// OutboxFile is the outbox's bbolt file in the node's data directory.
const OutboxFile = "outbox.db"

// The outbox file's buckets.
var (
	bucketSubs    = []byte("subs")    // id -> Subscription
	bucketCursors = []byte("cursors") // jurisdiction -> last seq read (8 bytes)
	bucketQueues  = []byte("queues")  // id -> bucket: seq (8 bytes) -> message
	bucketLogs    = []byte("logs")    // id -> bucket: seq (8 bytes) -> Delivery
	bucketState   = []byte("state")   // key -> value: what was already told
)

// maxDeliveryLog bounds each subscription's delivery log (the oldest go).
const maxDeliveryLog = 1000

// Watch is one thing a subscription watches: a certificate (by id,
// optionally of one jurisdiction), an employer by BN, a whole
// jurisdiction, or an (employer, host) recognition pair.
type Watch struct {
	Certificate  string                `json:"certificate,omitempty" maxLength:"64" doc:"A certificate id (CP-NUMBER, e.g. ACSA-20250417)."`
	BN           string                `json:"bn,omitempty" maxLength:"9" doc:"An employer's BN9: all its certificates."`
	Jurisdiction registry.Jurisdiction `json:"jurisdiction,omitempty" doc:"Alone: every certificate of this jurisdiction. With certificate: only that issuer's."`
	Employer     string                `json:"employer,omitempty" maxLength:"9" doc:"With host: an (employer, host) recognition pair, by the employer's BN9."`
	Host         registry.Jurisdiction `json:"host,omitempty" doc:"With employer: the host of the recognition pair."`
	Sector       string                `json:"sector,omitempty" maxLength:"64" doc:"With employer and host: the sector asked about (default any)."`
	Use          string                `json:"use,omitempty" enum:"bid,work" doc:"With employer and host: bid or work (default work)."`
}

// Validate checks one watch; field is its location.
func (w Watch) Validate(field string) error {
	switch {
	case w.Employer != "" || w.Host != "":
		if w.Certificate != "" || w.BN != "" || w.Jurisdiction != "" {
			return registry.Invalid(field, "a recognition pair has employer and host only (and sector, use)")
		}
		if err := registry.CheckBN(field+".employer", w.Employer); err != nil {
			return err
		}
		if !w.Host.Valid() {
			return registry.Invalid(field+".host", "an ISO 3166-2:CA code")
		}
		var errs []error
		if w.Use != "" && w.Use != "bid" && w.Use != "work" {
			errs = append(errs, registry.Invalid(field+".use", "bid or work"))
		}
		if !equivalence.ValidSector(w.Sector) {
			errs = append(errs, registry.Invalid(field+".sector", "a sector name such as \"construction\" or an industry code of 2 to 10 digits"))
		}
		return registry.JoinInvalid(errs...)
	case w.Certificate != "":
		if w.BN != "" {
			return registry.Invalid(field, "give one of certificate, bn, jurisdiction, or employer with host")
		}
		if !registry.ValidID(w.Certificate) {
			return registry.Invalid(field+".certificate", "a certificate id such as ACSA-20250417")
		}
		if w.Jurisdiction != "" && !w.Jurisdiction.Valid() {
			return registry.Invalid(field+".jurisdiction", "an ISO 3166-2:CA code")
		}
	case w.BN != "":
		if w.Jurisdiction != "" {
			return registry.Invalid(field, "give one of certificate, bn, jurisdiction, or employer with host")
		}
		return registry.CheckBN(field+".bn", w.BN)
	case w.Jurisdiction != "":
		if !w.Jurisdiction.Valid() {
			return registry.Invalid(field+".jurisdiction", "an ISO 3166-2:CA code")
		}
	default:
		return registry.Invalid(field, "give one of certificate, bn, jurisdiction, or employer with host")
	}
	if w.Sector != "" || w.Use != "" {
		return registry.Invalid(field, "sector and use belong to a recognition pair (employer, host)")
	}
	return nil
}

func (w Watch) pair() bool { return w.Employer != "" }

// Subscription statuses.
const (
	SubActive   = "active"
	SubDisabled = "disabled"
)

// Subscription is a webhook endpoint and what it watches.
type Subscription struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Watch          []Watch    `json:"watch"`
	ExpiringDays   []int      `json:"expiring_days" doc:"certificate.expiring is sent when a watched active certificate expires within each of these many days."`
	Description    string     `json:"description,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	CreatedBy      string     `json:"created_by"`
	Status         string     `json:"status" enum:"active,disabled"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	FailingSince   *time.Time `json:"failing_since,omitempty" doc:"When the first failed attempt of the current run of failures was."`
	Pending        int        `json:"pending" doc:"Messages waiting in this subscription's queue."`
	// StartSeq is each member's log size when the subscription was made:
	// it hears of the entries after (replay reaches back).
	StartSeq map[registry.Jurisdiction]uint64 `json:"start_seq"`
	// ReplayFrom is, per log, the first seq whose events are not yet in
	// the queue because the queue was full (Config.MaxPending): the
	// outbox queues them from there itself as the queue drains. Nothing
	// is dropped; empty when the subscription is not behind.
	ReplayFrom map[registry.Jurisdiction]uint64 `json:"replay_from,omitempty" doc:"Per log, the first seq whose events wait to be queued because the queue reached its bound (10,000 messages, e.g. while disabled): the outbox queues them from there, in order and with their ids, as the queue drains. Nothing is dropped. Absent when the subscription is not behind."`
}

// message is one queued webhook.
type message struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Body     json.RawMessage `json:"body"`
	Attempts int             `json:"attempts"`
	NextAt   time.Time       `json:"next_at"`
}

// Delivery is one attempt, as the delivery log keeps it.
type Delivery struct {
	MessageID  string    `json:"message_id"`
	Type       string    `json:"type"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	Delivered  bool      `json:"delivered"`
	DurationMS int64     `json:"duration_ms"`
	NextAt     time.Time `json:"next_attempt_at,omitzero"`
	seq        uint64    // its key in the log (paging)
}

// outbox is the bbolt file.
type outbox struct{ db *bbolt.DB }

func openOutbox(path string) (*outbox, error) {
	if err := boltstore.CheckNotTruncated(path); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketSubs, bucketCursors, bucketQueues, bucketLogs, bucketState} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &outbox{db: db}, nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// newID returns a random subscription id.
func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "sub_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// messageID derives a webhook-id from the subscription and the event's
// key: the same event for the same subscription always has the same id.
// It holds no '.' (the signed content is id.timestamp.body).
func messageID(sub, key string) string {
	h := sha256.Sum256([]byte(sub + "\x00" + key))
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:16]))
}

// putSub stores s.
func putSub(tx *bbolt.Tx, s Subscription) error {
	s.Pending = 0
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSubs).Put([]byte(s.ID), b)
}

// loadSub reads subscription id as stored (Pending not counted).
func loadSub(tx *bbolt.Tx, id string) (Subscription, bool, error) {
	v := tx.Bucket(bucketSubs).Get([]byte(id))
	if v == nil {
		return Subscription{}, false, nil
	}
	var s Subscription
	err := json.Unmarshal(v, &s)
	return s, err == nil, err
}

// queueLen is how many messages wait in sub's queue, read from its first
// and last keys: messages are appended with increasing keys and leave
// only from the head, so there are no holes.
func queueLen(tx *bbolt.Tx, sub string) int {
	q := tx.Bucket(bucketQueues).Bucket([]byte(sub))
	if q == nil {
		return 0
	}
	c := q.Cursor()
	first, _ := c.First()
	last, _ := c.Last()
	if first == nil {
		return 0
	}
	return int(getU64(last)-getU64(first)) + 1
}

func getSub(tx *bbolt.Tx, id string) (Subscription, error) {
	v := tx.Bucket(bucketSubs).Get([]byte(id))
	if v == nil {
		return Subscription{}, fmt.Errorf("subscription %q: %w", id, registry.ErrNotFound)
	}
	var s Subscription
	if err := json.Unmarshal(v, &s); err != nil {
		return s, err
	}
	if q := tx.Bucket(bucketQueues).Bucket([]byte(id)); q != nil {
		s.Pending = q.Stats().KeyN
	}
	return s, nil
}

// enqueue appends a message to subscription sub's queue.
func enqueue(tx *bbolt.Tx, sub string, m message) error {
	q, err := tx.Bucket(bucketQueues).CreateBucketIfNotExists([]byte(sub))
	if err != nil {
		return err
	}
	seq, err := q.NextSequence()
	if err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return q.Put(u64(seq), b)
}

// head returns the first queued message of sub.
func head(tx *bbolt.Tx, sub string) (key []byte, m message, ok bool, err error) {
	q := tx.Bucket(bucketQueues).Bucket([]byte(sub))
	if q == nil {
		return nil, m, false, nil
	}
	k, v := q.Cursor().First()
	if k == nil {
		return nil, m, false, nil
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, m, false, err
	}
	return bytes.Clone(k), m, true, nil
}

// retryNow makes sub's first message due now, as if it was not tried yet.
func retryNow(tx *bbolt.Tx, sub string) error {
	k, m, ok, err := head(tx, sub)
	if err != nil || !ok {
		return err
	}
	m.Attempts, m.NextAt = 0, time.Time{}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketQueues).Bucket([]byte(sub)).Put(k, b)
}

// logDelivery appends d to sub's delivery log and drops the oldest beyond
// maxDeliveryLog.
func logDelivery(tx *bbolt.Tx, sub string, d Delivery) error {
	l, err := tx.Bucket(bucketLogs).CreateBucketIfNotExists([]byte(sub))
	if err != nil {
		return err
	}
	seq, err := l.NextSequence()
	if err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := l.Put(u64(seq), b); err != nil {
		return err
	}
	if seq > maxDeliveryLog {
		return l.Delete(u64(seq - maxDeliveryLog))
	}
	return nil
}

// subStatePrefixes are the state keys that belong to one subscription
// (followed by its id and '/').
var subStatePrefixes = []string{"pair/", "expiring/"}

// deleteSubState removes what the outbox recorded telling subscription id.
func deleteSubState(tx *bbolt.Tx, id string) error {
	st := tx.Bucket(bucketState)
	for _, pre := range subStatePrefixes {
		prefix := []byte(pre + id + "/")
		c := st.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}
