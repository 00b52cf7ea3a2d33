package federation

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/tiles"
)

// MirrorConfig configures a verifying mirror of one member's static tiles.
type MirrorConfig struct {
	Iss  registry.Jurisdiction // whose log
	Keys *jose.KeySet          // the keys pinned for Iss (a federation file's, or one from a vkey)
	// KeyOwner, when set, names the member each other pinned key belongs
	// to (Trust.KeyOwner): the log's announcement of a key pinned for
	// another member is refused, as peer sync refuses it.
	KeyOwner KeyOwner
	From     tiles.Source // where the log is read (its bucket, a CDN, another mirror)
	To       *tiles.Store // where the verified copy goes
	// Cosigner, when set, adds a C2SP tlog-cosignature to each checkpoint
	// the mirror verified and republishes.
	Cosigner *tiles.Cosigner
	// State, when set, keeps what the mirror verified between runs: the
	// tree it holds (size and root) and each record's newest version. A
	// mirror started again then checks only what its copy gained since the
	// state was saved (usually nothing), not every entry of the copy
	// again: a start reads O(log n) tiles (0.06 s at 1,000,000 entries,
	// against 49 s without). Keep it with the cosigning key, not in To:
	// the state is trusted as the mirror's own work, and whoever can write
	// To must not be able to make the mirror skip a check. A state that
	// does not match the copy (another tree, a copy that was rolled back
	// or removed, a key pinned then that no longer is) is set aside and
	// the whole copy checked again (Start says why); a key pinned since
	// does not matter (what was verified stays verified). nil: every
	// start checks the whole copy.
	State registry.Store
	// Recheck sets the state aside: the whole copy is checked again (an
	// audit of To), and the state saved anew. A copy that fails the check
	// (a file damaged or altered since it was verified, its checkpoint
	// included) is repaired: the next round copies the whole log again
	// from From, verified, over it (MirrorStart.Damaged says why). Without
	// Recheck, such a copy is an error wrapping ErrCopyDamaged.
	Recheck bool
	// Ledger, with a Cosigner, is the cosigning key's record of the
	// largest tree it cosigned for each log, shared by every mirror that
	// uses the key (State is one mirror's, of one copy): the key cosigns
	// no tree that does not extend it, so it never vouches for two trees
	// of one size, whichever copies the log's operator shows it. nil: only
	// State's record of this mirror's own trees holds it back.
	Ledger CosignLedger
}

// LogID names one log in a cosigning key's ledger: its origin, and the
// kid of the key that signed its first entry. Every node of a
// jurisdiction signs under one origin (corfed/CA-AB, whichever federation
// it serves: production, a test or training node, the demo), so the
// origin alone does not tell two logs apart; their first keys do. A fork
// of one log (the threat the ledger is for) keeps its first entry, so it
// has the same LogID.
type LogID struct {
	Origin   string
	FirstKey string // kid of the key that signed entry 1
}

// String is the ledger's key for id.
func (id LogID) String() string { return id.Origin + " " + id.FirstKey }

// CosignLedger keeps, for one cosigning key, the largest tree it cosigned
// for each log (LogID).
type CosignLedger interface {
	// Record calls check with the largest tree recorded for log (a zero
	// Tree when none) and, if check accepts, records t in its place when
	// t is larger. No other Record for the key runs between the check and
	// the record. A zero t records nothing (a check alone).
	Record(ctx context.Context, log LogID, t tlog.Tree, check func(prev tlog.Tree) error) error
}

// StoreLedger is a CosignLedger kept in a store's meta (log "cosigned").
// Its Records are serialized by the store's write transactions.
//
// Ledgers written before the LogID (keyed by origin alone) are read
// conservatively: a log with no record under its LogID is checked
// against its origin's old record, which may be another log's. A tree
// that extends it takes the record over (under its LogID; the old one is
// deleted), one that does not is not cosigned (ErrLedgerUnsure), and the
// old record stays.
type StoreLedger struct{ Store registry.Store }

// ErrLedgerUnsure is a tree that does not extend the record a cosigning
// key's ledger kept for its origin before it kept one per log (LogID):
// another log of the origin, or a fork; the key does not cosign it.
var ErrLedgerUnsure = errors.New("the cosigning key's ledger, kept by origin alone before it was kept by log, holds a tree of this origin that this one does not extend (another log of the origin, or a fork of this one)")

// Record implements CosignLedger.
func (l StoreLedger) Record(ctx context.Context, log LogID, t tlog.Tree, check func(prev tlog.Tree) error) error {
	return l.Store.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		lg := tx.Log("cosigned")
		b, err := lg.Meta(log.String())
		if err != nil {
			return err
		}
		old := false
		if b == nil {
			if b, err = lg.Meta(log.Origin); err != nil {
				return err
			}
			old = b != nil
		}
		var prev publishedTree
		if b != nil {
			if err := json.Unmarshal(b, &prev); err != nil {
				return fmt.Errorf("the cosigning key's ledger for %s: %w", log, err)
			}
		}
		if err := check(tlog.Tree{N: int64(prev.Size), Hash: prev.Root}); err != nil {
			if old && !errors.Is(err, errLedgerAhead) {
				return fmt.Errorf("%w: %w", ErrLedgerUnsure, err)
			}
			return err
		}
		if t.N == 0 {
			return nil
		}
		if old {
			if err := lg.DeleteMeta(log.Origin); err != nil {
				return err
			}
		}
		if uint64(t.N) <= prev.Size {
			if !old {
				return nil
			}
			t = tlog.Tree{N: int64(prev.Size), Hash: prev.Root} // taken over
		}
		nb, err := json.Marshal(publishedTree{Size: uint64(t.N), Root: t.Hash})
		if err != nil {
			return err
		}
		return lg.SetMeta(log.String(), nb)
	})
}

// errLedgerAhead is a ledger's record of a larger tree than the one to
// cosign: the tree may be its prefix, but the mirror cannot tell from the
// smaller tree's tiles, so it publishes the log's checkpoint without its
// cosignature.
var errLedgerAhead = errors.New("the cosigning key cosigned a larger tree of this log")

// Mirror copies a member's tiles from a source it does not trust to a
// store, republishing only what it verified: the checkpoint's signature
// against the pinned keys, its consistency with the checkpoint verified
// before (kept in the store), every hash tile against the signed tree
// (tlog.TileHashReader), every entry against its leaf, and every entry as
// peer sync checks it (Chain: JWS by the member's keys, sequence,
// versions, key rotations).
type Mirror struct {
	cfg    MirrorConfig
	origin string
	vs     note.Verifiers
	chain  *Chain
	have   tiles.Checkpoint // verified and in cfg.To
	// vkeys are the pinned keys' vkeys by note key hash, and kids their
	// kids; noteKey is the one last written to cfg.To's note-key, and
	// noteKeys those last written to its note-keys.
	vkeys    map[uint32]string
	kids     map[uint32]string
	noteKey  string
	noteKeys string
	// retired holds, for each key the log retired, the seq of the entry
	// that retired it (the announcement of its successor, or its own with
	// status retired), as this mirror verified the entries of the tree it
	// holds; pendingRetired, those of the entries checked since (the
	// round under way). A checkpoint of a tree holding that entry must be
	// signed by another key (signedByActive). retiredKnown is false when
	// a saved state holds no record of them (saved before it did): that
	// state is not resumed from.
	retired        map[string]uint64
	pendingRetired map[string]uint64
	retiredKnown   bool
	// learned are the keys the log rotated in, from its announcements
	// this mirror verified (its state's keysKey), beyond cfg.Keys.
	learned []jose.PublicKey
	// keysSaved reports whether the state holds a record of the pin
	// (keysKey); one saved before the record was is given one at once.
	keysSaved bool
	// firstKey is the kid of the key that signed the log's first entry,
	// once this mirror holds it (LogID).
	firstKey string

	// With cfg.State: gen numbers the state's version records (a state set
	// aside is replaced by the next generation, and old is the one to
	// delete), saved reports whether the state of this generation was
	// saved, at tree size savedSize (else the next save writes all the
	// chain holds), and unsaved holds the versions committed since.
	gen       uint64
	old       *uint64
	saved     bool
	savedSize uint64
	unsaved   map[chainKey]uint64
	start     MirrorStart
	// floor is the largest tree this mirror verified and published (and
	// cosigned, with a Cosigner), as its saved state says: every tree it
	// publishes after must extend it, whatever the copy in cfg.To holds
	// (whoever can write there must not make it forget what it signed).
	floor tlog.Tree
}

// MirrorStart is what NewMirror checked of the copy it found.
type MirrorStart struct {
	Checked  uint64 // entries of the copy checked again
	SetAside string // why a saved state was set aside; "" when it was used, or there was none
	Damaged  string // with Recheck: why the copy failed its check and is copied again; "" when it passed
}

// Start returns what NewMirror checked of the copy it found.
func (m *Mirror) Start() MirrorStart { return m.start }

// MirrorResult is what one round did.
type MirrorResult struct {
	From, To uint64 // the tree sizes before and after; equal when there was nothing new
	Root     tlog.Hash
	// Cosigned reports whether the checkpoint published was cosigned: not
	// without a Cosigner, nor when the key's Ledger holds a larger tree of
	// the log (another mirror with the key is ahead of this one's source).
	Cosigned bool
	// Uncosigned, with a Cosigner, says why the checkpoint was not
	// cosigned.
	Uncosigned string
}

// NewMirror opens a mirror. When the store already holds a checkpoint, it
// must verify against the pinned keys, and the store's entries are
// checked again (Chain) to rebuild the state the next round extends:
// with cfg.State, only those after the tree the state was saved for
// (which must be a prefix of the store's), else all of them.
func NewMirror(ctx context.Context, cfg MirrorConfig) (*Mirror, error) {
	origin := logproof.Origin(cfg.Iss)
	vkeys, err := tiles.VerifierKeys(origin, cfg.Keys)
	if err != nil {
		return nil, err
	}
	m := &Mirror{cfg: cfg, origin: origin, chain: NewChain(cfg.Iss, cfg.Keys).RefuseKeysOf(cfg.KeyOwner), vkeys: make(map[uint32]string, len(vkeys)),
		kids: make(map[uint32]string, len(vkeys)), retired: map[string]uint64{}, pendingRetired: map[string]uint64{}}
	st, err := m.loadState(ctx)
	if err != nil {
		return nil, err
	}
	// The pin: the keys given, and those the log's announcements rotated
	// in since, as this mirror verified them (its state). Checkpoints
	// verify against all of them; entries, checked from the first, only
	// against the keys active at their place (Chain learns the rotations
	// again, in order).
	if err := m.trust(cfg.Keys.With(m.learned...)); err != nil {
		return nil, err
	}
	own := &tiles.Reader{Src: cfg.To, Origin: origin, Verifiers: m.vs}
	c, _, err := own.Checkpoint(ctx)
	learned := cfg.Keys.With(m.learned...)
	if errors.Is(err, registry.ErrUnverified) && ctx.Err() == nil {
		// The copy's checkpoint may be signed by a key the log rotated
		// in (announced in its entries, signed by a pinned key): learn
		// it from the copy's entries, checked from the first (a damaged
		// copy fails that check, or the tree's below).
		if learned, err = m.keysAcross(ctx, cfg.To, NewChain(cfg.Iss, cfg.Keys).RefuseKeysOf(cfg.KeyOwner)); err != nil {
			m.setAside(st)
			return m.damaged(err)
		}
		own.Verifiers = m.vs
		c, _, err = own.Checkpoint(ctx)
	}
	if errors.Is(err, registry.ErrNotFound) {
		if st != nil {
			m.start.SetAside = "the copy has no checkpoint"
		}
		m.setAside(st)
		return m, nil
	}
	if err != nil {
		if ctx.Err() != nil || !errors.Is(err, registry.ErrUnverified) && !errors.Is(err, registry.ErrInvalid) {
			return nil, fmt.Errorf("mirror: the copy in %s: %w", cfg.To, err)
		}
		// A checkpoint that no longer verifies against the pinned keys.
		m.setAside(st)
		return m.damaged(err)
	}
	vt := own.Tree(ctx, c.Tree())
	if c.Size >= uint64(m.floor.N) {
		if err := vt.Consistent(m.floor); err != nil {
			return nil, fmt.Errorf("mirror: the copy in %s does not extend the tree of size %d (root %s) this mirror published before: %w", cfg.To, m.floor.N, m.floor.Hash, err)
		}
	}
	from := uint64(0)
	if m.start.SetAside = m.whyNotResume(st, c, vt); st != nil && m.start.SetAside == "" {
		m.gen, m.saved, m.savedSize, from = st.Gen, true, st.Size, st.Size
		// The pinned keys: a checkpoint verifies only against them, and
		// a member's checkpoints and entries are signed by its active key.
		m.chain = ResumeChain(cfg.Iss, learned, st.Size, m.prior).RefuseKeysOf(cfg.KeyOwner)
	} else {
		m.setAside(st)
	}
	if from == 0 {
		clear(m.retired) // learned again from the first entry
	}
	if err := m.entries(ctx, vt, from, c.Size, nil); err != nil {
		if ctx.Err() != nil || !cfg.Recheck && !errors.Is(err, tiles.ErrTampered) {
			return nil, fmt.Errorf("mirror: the copy in %s: %w", cfg.To, err)
		}
		// (Recheck set the state aside above: the next save writes a new
		// generation.)
		return m.damaged(err)
	}
	m.commit()
	m.have = c
	m.start.Checked = c.Size - from
	if err := m.save(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// trust makes the mirror verify checkpoints with keys (the pinned keys,
// and those the log rotated in).
func (m *Mirror) trust(keys *jose.KeySet) error {
	vkeys, err := tiles.VerifierKeys(m.origin, keys)
	if err != nil {
		return err
	}
	var vs []note.Verifier
	for _, vkey := range vkeys {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return err
		}
		_, pub, err := tiles.VerifierFromKey(vkey)
		if err != nil {
			return err
		}
		vs = append(vs, v)
		m.vkeys[v.KeyHash()] = vkey
		m.kids[v.KeyHash()] = pub.KID
	}
	m.vs = note.VerifierList(vs...)
	return nil
}

// keysAcross follows a key rotation to src's checkpoint note, as tiles
// sync does (acrossRotation): when the note is signed by no key the
// mirror trusts, it may be signed by a key that the log's entries past ch
// announce (signed by a key trusted before). Those entries are read from
// src's bundles, the note's unverified size bounding them, and checked in
// order with ch (JWS, seq, versions, key owners) until the note verifies
// with the keys ch learned; nothing is written, and ch's checks are
// undone (the entries are checked again, against the verified tree, when
// copied). It returns the keys to trust (ch's, with those learned) and
// makes the mirror verify checkpoints with them. A note that verifies, has
// a bad signature, or is missing is left to the caller's read.
func (m *Mirror) keysAcross(ctx context.Context, src tiles.Source, ch *Chain) (*jose.KeySet, error) {
	defer ch.Abort()
	msg, err := src.Get(ctx, tiles.CheckpointPath, tiles.MaxCheckpointSize)
	if err != nil {
		return ch.Keys(), nil
	}
	pending := func() bool {
		vs, err := tiles.Verifiers(m.origin, ch.Keys())
		if err != nil {
			return false
		}
		_, err = note.Open(msg, vs)
		var une *note.UnverifiedNoteError
		return errors.As(err, &une)
	}
	i := bytes.Index(msg, []byte("\n\n"))
	if !pending() || i < 0 {
		return ch.Keys(), nil
	}
	c, err := tiles.ParseCheckpointText(string(msg[:i+1]))
	if err != nil || c.Origin != m.origin {
		return ch.Keys(), nil
	}
	for cur := ch.Next() - 1; cur < c.Size && pending(); {
		k := cur / tiles.TileWidth
		w := min(tiles.TileWidth, c.Size-k*tiles.TileWidth)
		t := tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: int(w)}
		data, err := src.Get(ctx, tiles.Path(tiles.Bundle(t)), tiles.MaxBundleSize)
		if err != nil {
			return nil, fmt.Errorf("checkpoint of a key not known yet: %s: %w", tiles.Path(tiles.Bundle(t)), err)
		}
		es, err := tiles.ParseBundle(data, int(w))
		if err != nil {
			return nil, fmt.Errorf("checkpoint of a key not known yet: %s: %w", tiles.Path(tiles.Bundle(t)), err)
		}
		for _, e := range es[cur-k*tiles.TileWidth:] {
			if _, err := ch.Check(e); err != nil {
				return nil, fmt.Errorf("checkpoint of a key not known yet: %w", err)
			}
		}
		cur = k*tiles.TileWidth + w
	}
	keys := ch.Keys()
	if !pending() {
		if err := m.trust(m.cfg.Keys.With(m.learned...).With(keys.Keys()...)); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// damaged is NewMirror's answer for a copy that failed its check (err):
// without Recheck, an error wrapping ErrCopyDamaged; with it, nothing of
// the copy is taken as verified, and the next round copies the log again,
// over it. The floor still holds: the log must extend what was published.
func (m *Mirror) damaged(err error) (*Mirror, error) {
	if !m.cfg.Recheck {
		return nil, fmt.Errorf("mirror: the copy in %s fails its check (%w): %w", m.cfg.To, ErrCopyDamaged, err)
	}
	m.start.Damaged = err.Error()
	m.chain = NewChain(m.cfg.Iss, m.cfg.Keys).RefuseKeysOf(m.cfg.KeyOwner)
	clear(m.retired)
	clear(m.pendingRetired)
	return m, nil
}

// mirrorState is what cfg.State holds under stateKey in the log
// stateLog; each record's newest version is under verKey.
type mirrorState struct {
	Origin string    `json:"origin"`
	Size   uint64    `json:"size"`
	Root   tlog.Hash `json:"root"`
	Gen    uint64    `json:"gen"`
	Pinned []string  `json:"pinned"` // the kids of the keys pinned when it was saved: its entries were verified with these or fewer
	// Published is the largest tree this mirror verified and published
	// (Mirror.floor), as in floorKey; kept across generations. Read only
	// from states saved before floorKey was (Size and Root when absent).
	Published *publishedTree `json:"published,omitempty"`

	bad error // why it could not be read
}

type publishedTree struct {
	Size uint64    `json:"size"`
	Root tlog.Hash `json:"root"`
}

// mirrorFloor is what cfg.State holds under floorKey: Mirror.floor, for
// the log origin. It is a record of its own, written in the same
// transaction as stateKey's, so that a state record that cannot be read
// (set aside) does not take the floor with it.
type mirrorFloor struct {
	Origin string `json:"origin"`
	publishedTree
}

// ErrCopyDamaged is a copy in MirrorConfig.To that fails its check (a
// checkpoint that no longer verifies, a tile or entry that does not match
// it): damaged or altered since the mirror verified it. A mirror opened
// with Recheck copies it again from the source instead.
var ErrCopyDamaged = errors.New("damaged or altered since it was verified")

// ErrMirrorFloor is a mirror's state whose record of the largest tree the
// mirror published cannot be read: the mirror does not start, as it could
// not tell a rollback from the log's growth.
var ErrMirrorFloor = errors.New("the record of the largest tree this mirror published cannot be read")

// published is the largest tree the mirror that saved st published.
func (st *mirrorState) published() tlog.Tree {
	if p := st.Published; p != nil && p.Size >= st.Size {
		return tlog.Tree{N: int64(p.Size), Hash: p.Root}
	}
	return tlog.Tree{N: int64(st.Size), Hash: st.Root}
}

const (
	stateLog = "mirror"
	stateKey = "state"
	floorKey = "floor"
	keysKey  = "keys"
)

// mirrorKeys is what cfg.State holds under keysKey: the mirror's pin for
// the log origin, kept across generations. Pinned are the keys it was
// given (or trusted on first use); Learned, those the log rotated in
// since, each announced in an entry signed by a key trusted before it
// and verified by this mirror. Both are JWKS.
type mirrorKeys struct {
	Origin  string          `json:"origin"`
	Pinned  json.RawMessage `json:"pinned"`
	Learned json.RawMessage `json:"learned,omitempty"`
	// Retired is Mirror.retired for the tree of the state (absent from a
	// state saved before it was kept: that state is not resumed from).
	Retired map[string]uint64 `json:"retired"`
}

// MirrorPin returns the pin a mirror of iss's log saved in state (see
// MirrorConfig.State): the keys it was given, or trusted on first use,
// and those the log rotated in since (announced in its entries, verified
// by the mirror). nil keys when state holds none. A mirror run again
// with no key given pins the first (NewMirror adds the others itself).
func MirrorPin(ctx context.Context, state registry.Store, iss registry.Jurisdiction) (pinned, learned *jose.KeySet, err error) {
	var b []byte
	if err := state.View(ctx, func(tx registry.StoreTx) (err error) {
		b, err = tx.Log(stateLog).Meta(keysKey)
		return err
	}); err != nil {
		return nil, nil, fmt.Errorf("mirror: reading its pinned keys: %w", err)
	}
	if b == nil {
		return nil, nil, nil
	}
	mk, err := parseMirrorKeys(b)
	if err != nil || mk.origin != logproof.Origin(iss) {
		return nil, nil, err
	}
	return mk.pinned, jose.NewKeySet(mk.learned...), nil
}

type parsedMirrorKeys struct {
	origin  string
	pinned  *jose.KeySet
	learned []jose.PublicKey
	retired map[string]uint64 // nil when the record holds none
}

func parseMirrorKeys(b []byte) (parsedMirrorKeys, error) {
	var mk mirrorKeys
	if err := json.Unmarshal(b, &mk); err != nil {
		return parsedMirrorKeys{}, fmt.Errorf("mirror: its pinned keys (%q in its state): %w", keysKey, err)
	}
	pinned, err := jose.ParseJWKS(mk.Pinned)
	if err != nil {
		return parsedMirrorKeys{}, fmt.Errorf("mirror: its pinned keys (%q in its state): %w", keysKey, err)
	}
	p := parsedMirrorKeys{origin: mk.Origin, pinned: pinned, retired: mk.Retired}
	if len(mk.Learned) > 0 {
		learned, err := jose.ParseJWKS(mk.Learned)
		if err != nil {
			return parsedMirrorKeys{}, fmt.Errorf("mirror: its pinned keys (%q in its state): %w", keysKey, err)
		}
		p.learned = learned.Keys()
	}
	return p, nil
}

// keysRecord returns the record of the mirror's pin to save under
// keysKey: cfg.Keys, and every other key its chain trusts (rotated in)
// or its state had learned.
func (m *Mirror) keysRecord() ([]byte, error) {
	pinned, err := m.cfg.Keys.MarshalJWKS()
	if err != nil {
		return nil, err
	}
	rec := mirrorKeys{Origin: m.origin, Pinned: pinned, Retired: m.retired}
	var learned []jose.PublicKey
	for _, k := range append(m.learned[:len(m.learned):len(m.learned)], m.chain.Keys().Keys()...) {
		if _, ok := m.cfg.Keys.Lookup(k.KID); ok || slices.ContainsFunc(learned, func(l jose.PublicKey) bool { return l.KID == k.KID }) {
			continue
		}
		learned = append(learned, k)
	}
	if len(learned) > 0 {
		if rec.Learned, err = jose.NewKeySet(learned...).MarshalJWKS(); err != nil {
			return nil, err
		}
	}
	return json.Marshal(rec)
}

func verKey(gen uint64, kind registry.Kind, id string) string {
	return genPrefix(gen) + string(kind) + "\x00" + id
}

// genPrefix is the start of every verKey of generation gen.
func genPrefix(gen uint64) string { return "v" + strconv.FormatUint(gen, 10) + "\x00" }

// loadState reads the saved state, nil if there is none (or no
// cfg.State), and sets m.floor from it. A state that cannot be read is
// returned to be set aside, with the reason; a floor that cannot be read
// (or, in a state saved before floorKey was, a state that cannot be) is
// ErrMirrorFloor.
func (m *Mirror) loadState(ctx context.Context) (*mirrorState, error) {
	if m.cfg.State == nil {
		return nil, nil
	}
	var b, fb, kb []byte
	err := m.cfg.State.View(ctx, func(tx registry.StoreTx) (err error) {
		l := tx.Log(stateLog)
		if b, err = l.Meta(stateKey); err != nil {
			return err
		}
		if kb, err = l.Meta(keysKey); err != nil {
			return err
		}
		fb, err = l.Meta(floorKey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mirror: reading its state: %w", err)
	}
	m.keysSaved = kb != nil
	if kb != nil {
		// The keys rotated in count only for the pin they were learned
		// from: every key pinned then must be pinned now.
		mk, err := parseMirrorKeys(kb)
		if err != nil {
			return nil, err
		}
		var was []string
		for _, k := range mk.pinned.Keys() {
			was = append(was, k.KID)
		}
		slices.Sort(was)
		if mk.origin == m.origin && subset(was, m.pinned()) {
			m.learned = mk.learned
		}
		if mk.origin == m.origin && mk.retired != nil {
			m.retired, m.retiredKnown = mk.retired, true
		}
	}
	if fb != nil {
		var fl mirrorFloor
		if err := json.Unmarshal(fb, &fl); err != nil {
			return nil, fmt.Errorf("mirror: %w (%q in its state: %v); it will not publish until it can tell a rollback", ErrMirrorFloor, floorKey, err)
		}
		if fl.Origin == m.origin {
			m.floor = tlog.Tree{N: int64(fl.Size), Hash: fl.Root}
		}
	}
	if b == nil {
		return nil, nil
	}
	st := new(mirrorState)
	if err := json.Unmarshal(b, st); err != nil {
		if fb == nil {
			// Saved before the floor had a record of its own: it was in
			// this one.
			return nil, fmt.Errorf("mirror: %w (%q in its state, which holds it: %v); it will not publish until it can tell a rollback", ErrMirrorFloor, stateKey, err)
		}
		return &mirrorState{bad: err}, nil // set aside, with the reason
	}
	if fb == nil && st.Origin == m.origin {
		m.floor = st.published()
	}
	return st, nil
}

// whyNotResume says why st may not be resumed from: "" when it describes
// a prefix of the copy's tree vt (c verified), saved for this log and
// these pinned keys, or when there is no state.
func (m *Mirror) whyNotResume(st *mirrorState, c tiles.Checkpoint, vt *tiles.VerifiedTree) string {
	switch {
	case st == nil:
		return ""
	case st.bad != nil:
		return fmt.Sprintf("it cannot be read: %v", st.bad)
	case m.cfg.Recheck:
		return "asked to recheck"
	case st.Origin != m.origin:
		return fmt.Sprintf("it is %s's", st.Origin)
	case !subset(st.Pinned, m.pinned()):
		return "a key pinned when it was saved is no longer pinned"
	case st.Size > c.Size:
		return fmt.Sprintf("it holds %d entries, the copy %d: the copy was rolled back or replaced", st.Size, c.Size)
	case st.Size == 0:
		return "it is empty"
	case !m.retiredKnown:
		return "it holds no record of the keys the log retired (saved by an earlier corfed)"
	}
	if err := vt.Consistent(tlog.Tree{N: int64(st.Size), Hash: st.Root}); err != nil {
		return fmt.Sprintf("the copy's tree does not extend it: %v", err)
	}
	return ""
}

// setAside starts a new generation of the state, replacing st's.
func (m *Mirror) setAside(st *mirrorState) {
	m.gen, m.saved = 1, false
	if st != nil {
		m.gen, m.old = st.Gen+1, &st.Gen
	}
}

// subset reports whether every string of a is in b (both sorted).
func subset(a, b []string) bool {
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); !ok {
			return false
		}
	}
	return true
}

// pinned returns the kids of cfg.Keys, sorted.
func (m *Mirror) pinned() []string {
	var kids []string
	for _, k := range m.cfg.Keys.Keys() {
		kids = append(kids, k.KID)
	}
	slices.Sort(kids)
	return kids
}

// prior is the resumed chain's record of versions before its start.
func (m *Mirror) prior(kind registry.Kind, id string) (uint64, error) {
	var v uint64
	err := m.cfg.State.View(context.Background(), func(tx registry.StoreTx) error {
		b, err := tx.Log(stateLog).Meta(verKey(m.gen, kind, id))
		if err != nil || b == nil {
			return err
		}
		v, err = strconv.ParseUint(string(b), 10, 64)
		return err
	})
	return v, err
}

// commit commits the chain's checks, keeping the versions they add for
// the next save.
func (m *Mirror) commit() {
	for kid, seq := range m.pendingRetired {
		if _, ok := m.retired[kid]; !ok {
			m.retired[kid] = seq
		}
	}
	clear(m.pendingRetired)
	m.retiredKnown = true
	if m.cfg.State != nil && m.saved {
		if m.unsaved == nil {
			m.unsaved = map[chainKey]uint64{}
		}
		for k, v := range m.chain.pending {
			m.unsaved[k] = v
		}
	}
	m.chain.Commit()
}

// save writes the state for m.have: the versions committed since the last
// save, and the tree, in one transaction, so a state read back is always
// whole. A new generation's first save writes all the chain holds, in
// transactions of saveChunk versions (one transaction of 500,000 holds
// ~200 MB), the tree last: until then the state names the generation
// before (or none), and the next full save deletes what a save cut short
// left of this one.
func (m *Mirror) save(ctx context.Context) error {
	if m.cfg.State == nil || (m.saved && m.keysSaved && m.savedSize == m.have.Size && len(m.unsaved) == 0) {
		return nil
	}
	if m.have.Size >= uint64(m.floor.N) {
		m.floor = m.have.Tree() // it extends the floor: NewMirror and Once checked
	}
	floor := publishedTree{Size: uint64(m.floor.N), Root: m.floor.Hash}
	b, err := json.Marshal(mirrorState{Origin: m.origin, Size: m.have.Size, Root: m.have.Root, Gen: m.gen, Pinned: m.pinned(), Published: &floor})
	if err != nil {
		return fmt.Errorf("mirror: saving its state: %w", err)
	}
	fb, err := json.Marshal(mirrorFloor{Origin: m.origin, publishedTree: floor})
	if err != nil {
		return fmt.Errorf("mirror: saving its state: %w", err)
	}
	kb, err := m.keysRecord()
	if err != nil {
		return fmt.Errorf("mirror: saving its state: %w", err)
	}
	vers, chunk := m.unsaved, len(m.unsaved)
	if !m.saved {
		vers, chunk = m.chain.vers, saveChunk
	}
	// In key order: bbolt inserts into a node's sorted slice, so 500,000
	// keys in random order in one transaction cost minutes.
	type kv struct {
		k string
		v uint64
	}
	kvs := make([]kv, 0, len(vers))
	for k, v := range vers {
		kvs = append(kvs, kv{verKey(m.gen, k.kind, k.id), v})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for first := true; first || len(kvs) > 0; first = false {
		part := kvs[:min(chunk, len(kvs))]
		kvs = kvs[len(part):]
		err := m.cfg.State.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
			l := tx.Log(stateLog)
			if first && !m.saved {
				if m.old != nil {
					if err := deleteMetaPrefix(l, genPrefix(*m.old)); err != nil {
						return err
					}
				}
				if err := deleteMetaPrefix(l, genPrefix(m.gen)); err != nil {
					return err
				}
			}
			for _, e := range part {
				if err := l.SetMeta(e.k, strconv.AppendUint(nil, e.v, 10)); err != nil {
					return err
				}
			}
			if len(kvs) > 0 {
				return nil
			}
			if err := l.SetMeta(floorKey, fb); err != nil {
				return err
			}
			if err := l.SetMeta(keysKey, kb); err != nil {
				return err
			}
			return l.SetMeta(stateKey, b)
		})
		if err != nil {
			return fmt.Errorf("mirror: saving its state (the copy is verified; the next start checks it again): %w", err)
		}
	}
	m.old, m.saved, m.keysSaved, m.savedSize = nil, true, true, m.have.Size
	clear(m.unsaved)
	return nil
}

// saveChunk is the most versions a full save writes in one transaction (a
// variable for tests).
var saveChunk = 25_000

// deleteMetaPrefix deletes l's meta keys under prefix, where the store
// lists them (registry/boltstore and registry/memstore do); elsewhere
// they stay, unread.
func deleteMetaPrefix(l registry.LogWriter, prefix string) error {
	lister, ok := l.(interface {
		MetaKeys(prefix string) ([]string, error)
	})
	if !ok {
		return nil
	}
	keys, err := lister.MetaKeys(prefix)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := l.DeleteMeta(k); err != nil {
			return err
		}
	}
	return nil
}

// Size returns the size of the tree the mirror holds verified.
func (m *Mirror) Size() uint64 { return m.have.Size }

// Once reads the source's checkpoint and, if it is new, verifies and
// copies what it adds. A refusal (ErrTampered, ErrFork, ErrRollback, an
// entry that fails its checks) leaves the store's checkpoint as it was;
// only entry bundles that passed every check may have been written.
func (m *Mirror) Once(ctx context.Context) (MirrorResult, error) {
	clear(m.pendingRetired) // of a round refused
	src := &tiles.Reader{Src: m.cfg.From, Origin: m.origin, Verifiers: m.vs}
	c, n, err := src.Checkpoint(ctx)
	if errors.Is(err, registry.ErrUnverified) && ctx.Err() == nil {
		// A checkpoint signed by a key the log rotated in since: learned
		// from the entries that announce it (and checked again below).
		if _, err := m.keysAcross(ctx, m.cfg.From, m.chain); err != nil {
			return MirrorResult{}, fmt.Errorf("mirror: %w", err)
		}
		src.Verifiers = m.vs
		c, n, err = src.Checkpoint(ctx)
	}
	if err != nil {
		return MirrorResult{}, fmt.Errorf("mirror: checkpoint: %w", err)
	}
	// Signed by a key the tree this mirror holds retired: refused before
	// it is compared with that tree (a fork signed by a stolen retired key
	// is no evidence against the log). The retirements in the entries it
	// adds are seen as they are checked (put, below).
	if c.Size >= m.have.Size {
		if err := m.signedByActive(n, c.Size); err != nil {
			return MirrorResult{}, fmt.Errorf("mirror: checkpoint: %w", err)
		}
	}
	res := MirrorResult{From: m.have.Size, To: c.Size, Root: c.Root}
	vt := src.Tree(ctx, c.Tree())
	if err := vt.Consistent(m.have.Tree()); err != nil {
		return MirrorResult{}, m.misbehaved(c, fmt.Errorf("mirror: %w", err))
	}
	if err := vt.Consistent(m.floor); err != nil {
		return MirrorResult{}, m.misbehaved(c, fmt.Errorf("mirror: against the tree of size %d this mirror published before (its state): %w", m.floor.N, err))
	}
	cosign := m.cfg.Cosigner != nil
	var id LogID
	ledgerCheck := func(prev tlog.Tree) error {
		switch {
		case prev.N == 0:
			return nil
		case prev.N > int64(c.Size):
			return errLedgerAhead
		}
		if err := vt.Consistent(prev); err != nil {
			return fmt.Errorf("the cosigning key cosigned the tree of size %d (root %s), which this one does not extend: %w", prev.N, prev.Hash, err)
		}
		return nil
	}
	if cosign && m.cfg.Ledger != nil && c.Size > m.have.Size {
		// A fork the key's ledger knows is refused from the checkpoint
		// alone, before anything of it is written to the copy.
		if id, err = m.logID(ctx, vt, c.Size); err != nil {
			return MirrorResult{}, fmt.Errorf("mirror: %w", err)
		}
		err := m.cfg.Ledger.Record(ctx, id, tlog.Tree{}, ledgerCheck)
		if err != nil && !errors.Is(err, errLedgerAhead) && !errors.Is(err, ErrLedgerUnsure) {
			return MirrorResult{}, m.misbehaved(c, fmt.Errorf("mirror: %w", err))
		}
	}
	if c.Size == m.have.Size && m.have.Note != nil {
		if err := m.putNoteKey(ctx, n); err != nil {
			return res, err
		}
		return res, m.save(ctx) // one that failed before
	}
	put := func(t tlog.Tile, es [][]byte) error {
		// The entries checked so far may retire the checkpoint's signer:
		// nothing of a tree it may not sign is written.
		if err := m.signedByActive(n, c.Size); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		var b []byte
		for _, e := range es {
			b, _ = tiles.AppendEntry(b, e)
		}
		return m.cfg.To.PutTile(ctx, tiles.Path(tiles.Bundle(t)), b, t.W == tiles.TileWidth)
	}
	if err := m.entries(ctx, vt, m.have.Size, c.Size, put); err != nil {
		m.chain.Abort()
		return MirrorResult{}, fmt.Errorf("mirror: %w", err)
	}
	for _, t := range tlog.NewTiles(tiles.Height, int64(m.have.Size), int64(c.Size)) {
		data, err := vt.TileData(t)
		if err != nil {
			m.chain.Abort()
			return MirrorResult{}, fmt.Errorf("mirror: %w", err)
		}
		if err := m.cfg.To.PutTile(ctx, tiles.Path(t), data, t.W == tiles.TileWidth); err != nil {
			m.chain.Abort()
			return MirrorResult{}, err
		}
	}
	if cosign && m.cfg.Ledger != nil {
		if id.FirstKey == "" {
			if id, err = m.logID(ctx, vt, c.Size); err != nil {
				m.chain.Abort()
				return MirrorResult{}, fmt.Errorf("mirror: %w", err)
			}
		}
		err = m.cfg.Ledger.Record(ctx, id, c.Tree(), ledgerCheck)
		switch {
		case errors.Is(err, errLedgerAhead):
			cosign, res.Uncosigned = false, "this key cosigned a larger tree of the log"
		case errors.Is(err, ErrLedgerUnsure):
			cosign, res.Uncosigned = false, err.Error()
		case err != nil:
			m.chain.Abort()
			return MirrorResult{}, m.misbehaved(c, fmt.Errorf("mirror: %w", err))
		}
	}
	// n.Sigs holds only the signatures that verified: the mirror passes on
	// the log's, and adds its own when it cosigns. Never the source's
	// bytes as read: a line it did not verify (under the mirror's own name,
	// or a witness's) would be published as if it had.
	var signers []note.Signer
	if cosign {
		signers = append(signers, m.cfg.Cosigner)
	}
	msg, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, signers...)
	if err != nil {
		m.chain.Abort()
		return MirrorResult{}, err
	}
	res.Cosigned = cosign
	if err := m.putNoteKey(ctx, n); err != nil {
		m.chain.Abort()
		return MirrorResult{}, err
	}
	if err := m.cfg.To.PutCheckpoint(ctx, msg); err != nil {
		m.chain.Abort()
		return MirrorResult{}, err
	}
	m.commit()
	c.Note = msg
	m.have = c
	if id.FirstKey != "" {
		m.firstKey = id.FirstKey
	}
	return res, m.save(ctx)
}

// logID returns the identity of the log whose tree (of size n > 0) vt
// reads: the mirror's origin and the kid of the key that signed its first
// entry (verified against the keys the mirror trusts).
func (m *Mirror) logID(ctx context.Context, vt *tiles.VerifiedTree, n uint64) (LogID, error) {
	if m.firstKey != "" {
		return LogID{Origin: m.origin, FirstKey: m.firstKey}, nil
	}
	es, err := vt.Bundle(ctx, tlog.Tile{H: tiles.Height, L: 0, N: 0, W: int(min(tiles.TileWidth, n))})
	if err != nil {
		return LogID{}, err
	}
	kid, err := firstKID(m.cfg.Keys.With(m.learned...).With(m.chain.Keys().Keys()...), m.cfg.Iss, string(es[0]))
	if err != nil {
		return LogID{}, fmt.Errorf("the log's first entry: %w", err)
	}
	return LogID{Origin: m.origin, FirstKey: kid}, nil
}

// firstKID returns the kid of the key that signed jws, an entry of iss
// that verifies against keys.
func firstKID(keys *jose.KeySet, iss registry.Jurisdiction, jws string) (string, error) {
	if _, err := VerifyEntry(keys, iss, jws); err != nil {
		return "", err
	}
	h, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", fmt.Errorf("entry header: %v: %w", err, registry.ErrInvalid)
	}
	var hdr struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &hdr); err != nil || hdr.KID == "" {
		return "", fmt.Errorf("entry header: no kid: %w", registry.ErrInvalid)
	}
	return hdr.KID, nil
}

// MisbehaviourError is a source's checkpoint, verified against the
// pinned keys, that contradicts a tree the mirror verified before: a
// fork or a rollback (Err wraps tiles.ErrFork or tiles.ErrRollback). The
// two signed notes are the evidence: Verified, the checkpoint the mirror
// holds (as it published it; nil when its copy holds none yet), and
// Conflicting, the source's, as read.
type MisbehaviourError struct {
	Verified, Conflicting []byte
	Err                   error
}

func (e *MisbehaviourError) Error() string { return e.Err.Error() }
func (e *MisbehaviourError) Unwrap() error { return e.Err }

// misbehaved wraps err in a *MisbehaviourError when it is a fork or a
// rollback shown by c.
func (m *Mirror) misbehaved(c tiles.Checkpoint, err error) error {
	if !errors.Is(err, tiles.ErrFork) && !errors.Is(err, tiles.ErrRollback) {
		return err
	}
	return &MisbehaviourError{Verified: m.have.Note, Conflicting: c.Note, Err: err}
}

// putNoteKey writes to the copy's note-key the vkey of the pinned key
// that signed n (a verified checkpoint), and to its note-keys that vkey
// then those of the other keys the mirror trusts for the log (pinned, or
// rotated in), unless they are the ones written last: a mirror of the
// copy may start from them, and note-key is this mirror's pin when it is
// run again with no key given.
func (m *Mirror) putNoteKey(ctx context.Context, n *note.Note) error {
	for _, sig := range n.Sigs {
		vkey, ok := m.vkeys[sig.Hash]
		if !ok || sig.Name != m.origin {
			continue
		}
		all, err := tiles.VerifierKeys(m.origin, m.cfg.Keys.With(m.learned...).With(m.chain.Keys().Keys()...))
		if err != nil {
			return err
		}
		vkeys := []string{vkey}
		for _, vk := range all {
			if vk != vkey {
				vkeys = append(vkeys, vk)
			}
		}
		if text := strings.Join(vkeys, "\n"); text != m.noteKeys {
			if err := m.cfg.To.PutNoteKeys(ctx, vkeys); err != nil {
				return err
			}
			m.noteKeys = text
		}
		if vkey != m.noteKey {
			if err := m.cfg.To.PutNoteKey(ctx, vkey); err != nil {
				return err
			}
			m.noteKey = vkey
		}
		return nil
	}
	return nil
}

// noteRetirement records the keys e (a key announcement the chain
// accepted) retires: the one its key replaces, or its key itself when its
// status is retired.
func (m *Mirror) noteRetirement(e registry.Entry) {
	var a registry.KeyAnnouncement
	if err := json.Unmarshal(e.Record, &a); err != nil {
		return // the chain checked it
	}
	kids := []string{a.Replaces}
	if a.Status == jose.StatusRetired {
		kids = append(kids, a.KID)
	}
	for _, kid := range kids {
		if _, ok := m.retiredAt(kid); kid != "" && !ok {
			m.pendingRetired[kid] = e.Seq
		}
	}
}

// retiredAt returns the seq of the entry that retired kid, if the mirror
// has checked one.
func (m *Mirror) retiredAt(kid string) (uint64, bool) {
	if seq, ok := m.retired[kid]; ok {
		return seq, true
	}
	seq, ok := m.pendingRetired[kid]
	return seq, ok
}

// signedByActive checks that n, a checkpoint of the first size entries
// that verified against the trusted keys, is signed by a key that the
// log's entries up to size (those the mirror has checked) have not
// retired. A retired key still verifies what it signed before its
// retirement (the entries, and the checkpoints the mirror holds), but not
// a checkpoint of a tree that holds its retirement: whoever stole it
// could sign one. The log announces the new key before it signs with it,
// and its publisher signs no checkpoint with a key the tree retires
// (tiles.Publisher), so a checkpoint the log signed always passes.
func (m *Mirror) signedByActive(n *note.Note, size uint64) error {
	var by []string
	for _, sig := range n.Sigs {
		kid, ok := m.kids[sig.Hash]
		if !ok || sig.Name != m.origin {
			continue
		}
		seq, gone := m.retiredAt(kid)
		if !gone || seq > size {
			return nil
		}
		by = append(by, fmt.Sprintf("%s, which the log retired at entry %d", kid, seq))
	}
	if len(by) == 0 {
		return nil // no signature of the log's: not this check's to refuse
	}
	return fmt.Errorf("the checkpoint of size %d is signed only by the key %s: a retired key verifies the entries and checkpoints that precede its retirement, not a checkpoint of a tree that holds it (whoever stole the key could sign one): %w",
		size, strings.Join(by, "; the key "), registry.ErrUnverified)
}

// entries checks the entries from (a tree size) to to of vt's tree,
// bundle by bundle, and hands each bundle that passed to put (if not
// nil) before checking the next. A bundle's signatures are verified on
// every CPU (verifyAll), then checked in order (Chain), while the next
// bundle is read: only that reader calls vt until entries returns.
func (m *Mirror) entries(ctx context.Context, vt *tiles.VerifiedTree, from, to uint64, put func(tlog.Tile, [][]byte) error) error {
	type bundle struct {
		t   tlog.Tile
		es  [][]byte
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan bundle, 1)
	go func() {
		defer close(ch)
		for k := from / tiles.TileWidth; k*tiles.TileWidth < to; k++ {
			t := tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: int(min(tiles.TileWidth, to-k*tiles.TileWidth))}
			es, err := vt.Bundle(ctx, t)
			select {
			case ch <- bundle{t, es, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range ch { // the reader is done with vt
		}
	}()
	var fes []feedEntry
	for b := range ch {
		if b.err != nil {
			return b.err
		}
		start := uint64(b.t.N) * tiles.TileWidth
		skip := int(max(from, start) - start)
		fes = fes[:0]
		for _, e := range b.es[min(skip, len(b.es)):] {
			fes = append(fes, feedEntry{JWS: string(e)})
		}
		ahead := m.chain.Keys()
		for i, r := range verifyAll(ahead, m.cfg.Iss, fes) {
			v, err := m.chain.checkAhead(fes[i].JWS, r, ahead)
			if err != nil {
				return err
			}
			if e := v.Entry(); e.Kind == registry.KindKey {
				m.noteRetirement(e)
			}
		}
		if put != nil {
			if err := put(b.t, b.es); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// CheckBulk checks a snapshot or delta of iss's log (see
// tiles.SnapshotPolicy), read from r and named name, against the log's
// tiles at src: the checkpoint verified against keys (the member's pinned
// keys), then tiles.CheckBulk (every entry is the tree's leaf at its
// place; a snapshot's entries alone give the tree's root at its size),
// then every entry as peer sync checks it (Chain: JWS by the member's
// keys, seq, versions, key rotations). A delta is checked alone: its
// entries' JWS against keys and those its own announcements add, and the
// versions of the records it names more than once; the versions before it
// are the snapshot's to check. It returns the checkpoint it checked
// against.
func CheckBulk(ctx context.Context, r io.Reader, name tiles.BulkName, iss registry.Jurisdiction, keys *jose.KeySet, src tiles.Source) (tiles.Checkpoint, error) {
	origin := logproof.Origin(iss)
	vs, err := tiles.Verifiers(origin, keys)
	if err != nil {
		return tiles.Checkpoint{}, err
	}
	rd := &tiles.Reader{Src: src, Origin: origin, Verifiers: vs}
	c, _, err := rd.Checkpoint(ctx)
	if err != nil {
		return tiles.Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	ch := ResumeChain(iss, keys, name.From, nil)
	err = tiles.CheckBulk(ctx, r, name, rd.Tree(ctx, c.Tree()), func(_ uint64, jws []byte) error {
		_, err := ch.Check(jws)
		return err
	})
	return c, err
}
