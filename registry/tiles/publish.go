package tiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// Log is what a Publisher reads: a node's feed (*node.Node has these
// methods). Seq n is leaf n-1 of the tree.
type Log interface {
	// Origin is the checkpoint origin, "corfed/<jurisdiction>".
	Origin() string
	// ActiveKey signs the checkpoint notes; it must be an Ed25519 key.
	ActiveKey() *jose.Key
	// PublicKeys are the log's keys, active and retired.
	PublicKeys() *jose.KeySet
	Size(ctx context.Context) (uint64, error)
	TreeHash(ctx context.Context, size uint64) (tlog.Hash, error)
	// Tile returns a hash tile's data, as tlog.ReadTileData would.
	Tile(ctx context.Context, t tlog.Tile) ([]byte, error)
	// Feed returns up to limit entries after seq after.
	Feed(ctx context.Context, after uint64, limit int) ([]registry.Entry, uint64, error)
	// Watch wakes its channel after commits (coalesced).
	Watch() (<-chan struct{}, func())
}

// PublisherConfig configures a Publisher. Zero fields take defaults.
type PublisherConfig struct {
	Log   Log
	Store *Store
	// Interval is the least time between two publications (default 1 s):
	// commits in between are published together.
	Interval time.Duration
	// Snapshots, when set, writes bulk copies (see snapshot.go).
	Snapshots SnapshotPolicy
	// OnError is told of each failed publication (it is retried); optional.
	OnError func(error)
	// OnNoteKey is told of the note verifier key each time the publisher
	// writes it (NoteKeyPath): at its first round, and after the log's
	// key rotates, once its first checkpoint under the new key is about
	// to go out; optional.
	OnNoteKey func(vkey string)
	// PartialGrace is how long the partial tiles a full tile replaced stay
	// after that full tile's checkpoint is written (default 1 min;
	// negative: none), so that a reader who fetched the checkpoint before
	// finds the partials it names: readers that do not fall back to the
	// full tile (C2SP says they should) fail otherwise. They go in a later
	// round once the grace is over (or, on an idle log, at its next
	// commit); a restart forgets them, leaving at most one round's.
	PartialGrace time.Duration
	// Now is the clock PartialGrace is measured with (default time.Now).
	Now func() time.Time
}

// superseded is a range of tree sizes whose tiles that became full in it
// have partials still to delete, from the time their checkpoint went out.
type superseded struct {
	from, to uint64
	at       time.Time
}

// Publisher writes a log's checkpoint, hash tiles and entry bundles to a
// Store after commits, in the background: a commit only wakes it (never
// waits for it), and the commits made while it writes are published
// together in its next round. It resumes after a restart from the size of
// the checkpoint the Store holds.
type Publisher struct {
	cfg PublisherConfig

	mu     sync.Mutex
	status PublishStatus
	// noteKey is the vkey last written to NoteKeyPath by this publisher
	// (a key rotation writes the new one before the first checkpoint it
	// signs).
	noteKey string
	// noteKeys are the vkeys last written to NoteKeysPath, one a line.
	noteKeys string
	// pending are the ranges whose partial tiles wait for PartialGrace.
	pending []superseded
	// resumed is set by Resume, from the size it checked.
	resumed bool
	from    uint64
}

// PublishStatus is where a publisher stands.
type PublishStatus struct {
	Size uint64    // the tree size of the last checkpoint written
	At   time.Time // when it was written
	Err  error     // the last round's error, nil once a round succeeds
	// Failures counts the rounds that failed in a row (0 once one
	// succeeds).
	Failures int
	// Stopped is set when Run returned for another reason than its
	// context (Err says why): nothing is published any more.
	Stopped bool
}

// NewPublisher returns a publisher; Run starts it.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Log == nil || cfg.Store == nil {
		return nil, fmt.Errorf("tiles: publisher needs a log and a store: %w", registry.ErrInvalid)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.PartialGrace == 0 {
		cfg.PartialGrace = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if _, _, err := NoteSigner(cfg.Log.Origin(), cfg.Log.ActiveKey()); err != nil {
		return nil, fmt.Errorf("tiles: %w", err)
	}
	return &Publisher{cfg: cfg}, nil
}

// Status returns the publisher's status.
func (p *Publisher) Status() PublishStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Run publishes until ctx is done: now, then after each commit, at most
// once per Interval; a failed round is retried after Interval (up to a
// minute apart while it keeps failing). It starts from the size Resume
// checked, calling it first if it was not; it returns ctx's error, or
// Resume's (nothing is written over the Store's checkpoint then).
func (p *Publisher) Run(ctx context.Context) error {
	wake, stop := p.cfg.Log.Watch()
	defer stop()
	p.mu.Lock()
	published, resumed := p.from, p.resumed
	p.mu.Unlock()
	if !resumed {
		var err error
		if published, err = p.Resume(ctx); err != nil {
			if ctx.Err() == nil {
				p.mu.Lock()
				p.status.Stopped = true
				p.mu.Unlock()
			}
			return err
		}
	}
	backoff := p.cfg.Interval
	for {
		err := p.Publish(ctx, &published)
		if errors.Is(err, errKeyRotating) {
			// Not a failure: the node switches to the key in a moment.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(p.cfg.Interval):
			}
			continue
		}
		if err != nil && ctx.Err() == nil {
			p.setErr(err)
			if p.cfg.OnError != nil {
				p.cfg.OnError(err)
			}
			backoff = min(2*backoff, time.Minute)
		} else {
			if err == nil {
				p.mu.Lock()
				p.status.Err, p.status.Failures = nil, 0
				p.mu.Unlock()
			}
			backoff = p.cfg.Interval
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		if err == nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
			}
		}
	}
}

func (p *Publisher) setErr(err error) {
	p.mu.Lock()
	p.status.Err = err
	p.status.Failures++
	p.mu.Unlock()
}

// Resume returns the size of the checkpoint already in the store (0 if
// none), after checking that it is this log's: signed by one of its keys,
// no larger than the log, with the log's root at that size; Run then
// starts from it. A store whose checkpoint is larger than the log, or has
// another root, wraps registry.ErrConflict: the log was restored from an
// older copy of its store, or forked, and publishing (or signing any
// checkpoint of that size) would sign a second tree of the size the
// store's checkpoint has under the same key. A checkpoint the log did not
// sign wraps registry.ErrUnverified. Call it before the node serves, so
// that it refuses to start (cmd/corfed serve does).
func (p *Publisher) Resume(ctx context.Context) (uint64, error) {
	size, err := p.resume(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.status.Err = err
		return 0, err
	}
	p.resumed, p.from = true, size
	p.status.Size = size
	return size, nil
}

func (p *Publisher) resume(ctx context.Context) (uint64, error) {
	l := p.cfg.Log
	msg, err := p.cfg.Store.Get(ctx, CheckpointPath, MaxCheckpointSize)
	if errors.Is(err, registry.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	vs, err := Verifiers(l.Origin(), l.PublicKeys())
	if err != nil {
		return 0, err
	}
	c, _, err := OpenCheckpoint(msg, l.Origin(), vs)
	if errors.Is(err, registry.ErrInvalid) {
		return 0, fmt.Errorf("tiles: %s holds a checkpoint that is not a whole signed note (%d bytes: a write cut short on a full disk by an earlier corfed, "+
			"or a directory that is not this node's tiles): %w; if it is this node's tiles, put back the checkpoint from a copy of them "+
			"(a mirror's, or a backup), or remove it to publish again from the log (readers that saw a larger checkpoint will see a rollback)", p.cfg.Store, len(msg), err)
	}
	if err != nil {
		return 0, fmt.Errorf("tiles: %s holds a checkpoint this log did not sign: %w", p.cfg.Store, err)
	}
	size, err := l.Size(ctx)
	if err != nil {
		return 0, err
	}
	if c.Size > size {
		return 0, fmt.Errorf("tiles: %s holds a checkpoint of size %d, signed by one of this log's keys, but the log has %d entries: "+
			"its store was restored from a copy older than what it published, and new entries would make it sign a second tree of size %d, a fork every reader of the tiles would see; "+
			"restore a copy of the store that holds at least %d entries (the latest backup, or the file before the restore), "+
			"or give the store the entries it lacks from these tiles, with the node stopped: corfed restore --data DIR --from %s: %w",
			p.cfg.Store, c.Size, size, c.Size, c.Size, p.cfg.Store, registry.ErrConflict)
	}
	root, err := l.TreeHash(ctx, c.Size)
	if err != nil {
		return 0, err
	}
	if root != c.Root {
		return 0, fmt.Errorf("tiles: %s holds a checkpoint of size %d with root %s, signed by one of this log's keys, but the log's root at that size is %s: "+
			"the log has forked from what it published (a store restored from an older copy that then took other writes?), and readers of the tiles hold the other history; "+
			"restore the store that published %s (or a later copy of it): %w",
			p.cfg.Store, c.Size, c.Root, root, p.cfg.Store, registry.ErrConflict)
	}
	return c.Size, nil
}

// Publish writes what the log holds beyond *published: the new and grown
// hash tiles and entry bundles, then the checkpoint (last, so that a
// checkpoint never names a tile not yet written), then deletes the partial
// tiles that full ones replaced PartialGrace ago or more. On success
// *published is the new size. It first writes the log's note keys
// (NoteKeysPath) when they changed, even with nothing new to publish. It
// signs no checkpoint with a key the tree it signs has retired: while the
// node has announced a new key but not switched to it yet (a rotation,
// see node.SetKeys), it returns an error wrapping errKeyRotating, and Run
// tries again after Interval.
func (p *Publisher) Publish(ctx context.Context, published *uint64) error {
	l := p.cfg.Log
	size, err := l.Size(ctx)
	if err != nil {
		return err
	}
	// Every key of the log, for mirrors that start from the source (a key
	// rotated in, or a publisher started on tiles written before
	// note-keys were, even on an idle log).
	if err := p.putNoteKeys(ctx); err != nil {
		return err
	}
	if size == *published && *published > 0 {
		return nil
	}
	active := l.ActiveKey()
	signer, vkey, err := NoteSigner(l.Origin(), active)
	if err != nil {
		return fmt.Errorf("tiles: %w", err)
	}
	root, err := l.TreeHash(ctx, size)
	if err != nil {
		return err
	}
	announced, err := writeTiles(ctx, p.cfg.Store, l, *published, size)
	if err != nil {
		return err
	}
	if announced != "" && announced != active.KID {
		// The node announces a new key, then signs with it: a round
		// between the two would sign, with the key the tree retires, a
		// checkpoint that mirrors refuse (a retired key verifies only
		// what precedes its retirement). The next round signs it.
		return fmt.Errorf("tiles: the log's entries up to %d announce key %s, but the node still signs with %s (a key rotation under way): %w", size, announced, active.KID, errKeyRotating)
	}
	c, err := SignCheckpoint(signer, size, root)
	if err != nil {
		return err
	}
	p.mu.Lock()
	wrote := p.noteKey
	p.mu.Unlock()
	if wrote != vkey {
		if err := p.cfg.Store.PutNoteKey(ctx, vkey); err != nil {
			return err
		}
		p.mu.Lock()
		p.noteKey = vkey
		p.mu.Unlock()
		if p.cfg.OnNoteKey != nil {
			p.cfg.OnNoteKey(vkey)
		}
	}
	if err := p.cfg.Store.PutCheckpoint(ctx, c.Note); err != nil {
		return err
	}
	if err := p.prune(ctx, superseded{from: *published, to: size, at: p.cfg.Now()}); err != nil {
		return err
	}
	if err := p.cfg.Snapshots.write(ctx, p.cfg.Store, l, size); err != nil {
		return err
	}
	*published = size
	p.mu.Lock()
	p.status = PublishStatus{Size: size, At: time.Now()}
	p.mu.Unlock()
	return nil
}

// errKeyRotating is a round that did not sign its checkpoint because the
// node had not switched to the key its log just announced.
var errKeyRotating = errors.New("retried at the next round")

// putNoteKeys writes the log's note keys (NoteKeys) to NoteKeysPath when
// they are not the ones this publisher wrote last.
func (p *Publisher) putNoteKeys(ctx context.Context) error {
	vkeys, err := NoteKeys(p.cfg.Log)
	if err != nil {
		return fmt.Errorf("tiles: %w", err)
	}
	text := strings.Join(vkeys, "\n")
	p.mu.Lock()
	wrote := p.noteKeys
	p.mu.Unlock()
	if text == wrote {
		return nil
	}
	if err := p.cfg.Store.PutNoteKeys(ctx, vkeys); err != nil {
		return err
	}
	p.mu.Lock()
	p.noteKeys = text
	p.mu.Unlock()
	return nil
}

// writeTiles writes the tiles that change from a tree of from entries to
// one of to, with the entry bundle of every level-0 tile. It returns the
// kid of the key the last key announcement among those bundles' entries
// announces ("" when they hold none).
func writeTiles(ctx context.Context, s *Store, l Log, from, to uint64) (announced string, err error) {
	for _, t := range tlog.NewTiles(Height, int64(from), int64(to)) {
		data, err := l.Tile(ctx, t)
		if err != nil {
			return "", fmt.Errorf("tiles: read tile %s: %w", Path(t), err)
		}
		full := t.W == TileWidth
		if t.L == 0 {
			b, kid, err := bundle(ctx, l, t)
			if err != nil {
				return "", err
			}
			if kid != "" {
				announced = kid
			}
			if err := s.PutTile(ctx, Path(Bundle(t)), b, full); err != nil {
				return "", err
			}
		}
		if err := s.PutTile(ctx, Path(t), data, full); err != nil {
			return "", err
		}
	}
	return announced, nil
}

// bundle returns the entry bundle of level-0 tile t: the compact JWS of
// entries t.N*256+1 to t.N*256+t.W, each length-prefixed; and the kid
// announced by the last key announcement among them ("" if none).
func bundle(ctx context.Context, l Log, t tlog.Tile) ([]byte, string, error) {
	after := uint64(t.N) * TileWidth
	es, _, err := l.Feed(ctx, after, t.W)
	if err != nil {
		return nil, "", err
	}
	if len(es) != t.W {
		return nil, "", fmt.Errorf("tiles: the feed gave %d entries after seq %d, want %d", len(es), after, t.W)
	}
	var b []byte
	var announced string
	for i, e := range es {
		if e.Seq != after+uint64(i)+1 {
			return nil, "", fmt.Errorf("tiles: the feed gave seq %d, want %d", e.Seq, after+uint64(i)+1)
		}
		if b, err = AppendEntry(b, []byte(e.JWS)); err != nil {
			return nil, "", fmt.Errorf("tiles: entry seq %d: %w", e.Seq, err)
		}
		if e.Kind == registry.KindKey {
			announced = e.ID // the announced kid (a KeyAnnouncement's id)
		}
	}
	return b, announced, nil
}

// prune adds r to the ranges waiting for PartialGrace, less what a range
// waiting already covers (a round retried over the same tree adds
// nothing), then deletes the partials of those whose grace is over. A
// range it fails to prune stays for the next round.
func (p *Publisher) prune(ctx context.Context, r superseded) error {
	p.mu.Lock()
	for _, q := range p.pending {
		r.from = max(r.from, q.to)
	}
	if r.to > r.from {
		p.pending = append(p.pending, r)
	}
	var due []superseded
	now := p.cfg.Now()
	for len(p.pending) > 0 && now.Sub(p.pending[0].at) >= p.cfg.PartialGrace {
		due = append(due, p.pending[0])
		p.pending = p.pending[1:]
	}
	p.mu.Unlock()
	for i, d := range due {
		if err := prunePartials(ctx, p.cfg.Store, d.from, d.to); err != nil {
			p.mu.Lock()
			p.pending = append(due[i:len(due):len(due)], p.pending...)
			p.mu.Unlock()
			return err
		}
	}
	return nil
}

// prunePartials deletes the partial tiles and bundles of every tile that
// became full between tree sizes from and to: C2SP allows it once the
// full tile is served, and it keeps a slowly growing log from keeping up
// to 255 partial copies of each tile.
func prunePartials(ctx context.Context, s *Store, from, to uint64) error {
	for _, t := range tlog.NewTiles(Height, int64(from), int64(to)) {
		if t.W != TileWidth {
			continue
		}
		prefixes := []string{Path(t) + ".p/"}
		if t.L == 0 {
			prefixes = append(prefixes, Path(Bundle(t))+".p/")
		}
		for _, pre := range prefixes {
			if err := s.deletePrefix(ctx, pre); err != nil {
				return fmt.Errorf("tiles: delete %s*: %w", pre, err)
			}
		}
	}
	return nil
}

// NoteKey returns the verifier key (vkey) of l's checkpoint notes, or an
// error wrapping ErrNotEd25519 when its active key is not Ed25519.
func NoteKey(l interface {
	Origin() string
	ActiveKey() *jose.Key
}) (string, error) {
	_, vkey, err := NoteSigner(l.Origin(), l.ActiveKey())
	return vkey, err
}

var _ note.Signer = (*edSigner)(nil)
