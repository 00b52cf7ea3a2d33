package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/tiles"
)

func init() { extraCommands["mirror"] = runMirror }

// runMirror copies a member's static tiles, verifying everything, to a
// directory or bucket, and cosigns the checkpoints it verified.
func runMirror(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("mirror", stderr)
	from := fl.String("from", "", "URL prefix of the log's tiles (its bucket, a CDN, another mirror) (required)")
	to := fl.String("to", "", "directory or gocloud.dev/blob URL to copy the verified log to (required)")
	fedFile := fl.String("federation", "", "federation file: pins the member's keys (with --jurisdiction)")
	jur := fl.String("jurisdiction", "", "whose log, e.g. CA-AB (with --federation, or --vkey)")
	var vkeys listFlag
	fl.Var(&vkeys, "vkey", "the log's note verifier key (GET /v1/log/note-key), instead of --federation; once per key, active and retired (GET /v1/log/note-keys lists them all), for a log that ever rotated its key (its first entries are signed by its first key); with neither, the keys this mirror pinned before (its state, else --to's note-key), else (first use) those --from publishes at note-keys (every key of the log), or at note-key")
	keyDir := fl.String("key", "./corfed-mirror", "directory of the mirror's cosigning key (created if missing)")
	stateFile := fl.String("state", "", "bbolt file keeping what the mirror verified (tree size and root, each record's version), so that a restart checks only what the copy gained (default: under --key's directory, one per log and --to)")
	recheck := fl.Bool("recheck", false, "check the whole copy in --to again instead of trusting the saved state (an audit of the copy)")
	name := fl.String("name", "corfed-mirror", "the mirror's cosigner name (no spaces or +)")
	watch := fl.Bool("watch", false, "keep mirroring, every --interval, until interrupted")
	interval := fl.Duration("interval", 30*time.Second, "with --watch: how often to read the source's checkpoint")
	var gc gcOptions // serve's GC setting: a mirror holds every record's version (federation.Chain), ~200 MB of heap at 1,000,000 entries
	gc.flags(fl)
	check := fl.String("check", "", "instead of mirroring: check a local snapshot or delta file (named <size>.jsonl.gz or <from>-<to>.jsonl.gz, as published under snapshot/ and delta/) against the log at --from")
	if err := parse(fl, args); err != nil {
		return err
	}
	if err := gc.apply(); err != nil {
		return err
	}
	switch {
	case *to != "" && *check != "":
		return usagef("--check FILE checks a local snapshot or delta file against --from and copies nothing: give --to or --check, not both")
	case *from == "" || (*to == "" && *check == ""):
		return usagef("--from and --to are required (or --from and --check FILE, to check a snapshot or delta)")
	}
	src, err := tiles.NewHTTPSource(*from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	var dst *tiles.Store
	if *to != "" {
		if dst, err = tiles.OpenStore(ctx, *to); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		defer dst.Close()
	}
	iss := registry.Jurisdiction(*jur)
	var state *boltstore.DB
	var keys *jose.KeySet
	var owner federation.KeyOwner
	var firstUse *noteKeyPin // the keys trusted on first use this run, taken from --from
	switch {
	case *fedFile != "" && len(vkeys) == 0:
		trust, err := federation.LoadTrust(*fedFile)
		if err != nil {
			return fmt.Errorf("--federation: %w", err)
		}
		m, ok := trust.Member(iss)
		if !ok {
			return fmt.Errorf("--jurisdiction %q is not a member of %s", *jur, *fedFile)
		}
		keys, owner = m.Keys, trust.KeyOwner()
	case *fedFile != "" && len(vkeys) > 0:
		fmt.Fprintln(stderr, "corfed mirror: give --federation FILE --jurisdiction CA-XX or --vkey, not both")
		return errUsage
	case len(vkeys) == 0 && dst == nil:
		fmt.Fprintln(stderr, "corfed mirror: --check needs the log's keys: give --federation FILE --jurisdiction CA-XX, or --vkey")
		return errUsage
	case len(vkeys) == 0:
		// The pin this mirror saved with its state (the keys it was
		// given or trusted on first use; it adds those the log rotated in
		// since), else the key in --to's note-key (written by a run before
		// the state kept the pin), else, on first use, the source's.
		k, err := firstUseKey(ctx, src, dst, *from, *to, stderr)
		if err != nil {
			return err
		}
		kname := registry.Jurisdiction(strings.TrimPrefix(strings.SplitN(k.keys[0], "+", 2)[0], logproof.OriginPrefix))
		if iss == "" {
			iss = kname
		}
		if iss.Valid() {
			if state, err = openMirrorState(*stateFile, *keyDir, iss, *to); err != nil {
				return err
			}
			defer state.Close()
			pinned, learned, err := federation.MirrorPin(ctx, state.Store(), iss)
			if err != nil {
				return fmt.Errorf("--state %s: %w", state.Path(), err)
			}
			if pinned != nil {
				k.warnUnpinned(pinned.With(learned.Keys()...), stderr)
				keys = pinned
				break
			}
		}
		k.warnUnpinned(nil, stderr)
		vkeys = listFlag(k.keys)
		if !k.pinnedInCopy {
			firstUse = &k
		}
		fallthrough
	default:
		// Each key is pinned as given: the log's own announcements are
		// trusted only forward from a pinned key (federation.Chain), so
		// its retired keys, which signed its first entries, are given too.
		var pubs []jose.PublicKey
		for _, vk := range vkeys {
			v, pub, err := tiles.VerifierFromKey(vk)
			if err != nil {
				return fmt.Errorf("--vkey: %w", err)
			}
			name := registry.Jurisdiction(strings.TrimPrefix(v.Name(), logproof.OriginPrefix))
			if iss == "" {
				iss = name
			} else if iss != name {
				return fmt.Errorf("--jurisdiction %s, but the key %s is %s's (%s)", iss, clipArg(vk), name, v.Name())
			}
			pubs = append(pubs, pub)
		}
		keys = jose.NewKeySet(pubs...)
	}
	if !iss.Valid() {
		return fmt.Errorf("--jurisdiction %q is not an ISO 3166-2:CA code", iss)
	}
	if *check != "" {
		return checkBulkFile(ctx, *check, iss, keys, src, stdout)
	}
	ring, _, err := loadOrCreateKeys(*keyDir, jose.EdDSA, time.Now())
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	priv, ok := ring.Active().RawEd25519()
	if !ok {
		return fmt.Errorf("--key %s: the cosigning key must be EdDSA", filepath.Join(*keyDir, keysFile))
	}
	cosigner, err := tiles.NewCosigner(*name, priv, nil)
	if err != nil {
		return fmt.Errorf("--name: %w", err)
	}
	if state == nil {
		if state, err = openMirrorState(*stateFile, *keyDir, iss, *to); err != nil {
			return err
		}
		defer state.Close()
	}
	m, err := federation.NewMirror(ctx, federation.MirrorConfig{Iss: iss, Keys: keys, KeyOwner: owner, From: src, To: dst, Cosigner: cosigner,
		State: state.Store(), Recheck: *recheck, Ledger: fileLedger(filepath.Join(*keyDir, "state", "cosigned.db"))})
	if errors.Is(err, federation.ErrMirrorFloor) {
		return fmt.Errorf("--state %s: %w", state.Path(), err)
	}
	if errors.Is(err, federation.ErrCopyDamaged) {
		return fmt.Errorf("%w (--recheck copies it again from %s, verified, over it)", err, *from)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "mirror of corfed/%s from %s to %s; cosigner key %s\n", iss, *from, *to, cosigner.VerifierKey())
	if st := m.Start(); st.Damaged != "" {
		fmt.Fprintf(stderr, "corfed mirror: the copy in %s failed its check (%s); copying the whole log again from %s, verified, over it\n", *to, st.Damaged, *from)
	} else if st.SetAside != "" {
		fmt.Fprintf(stderr, "corfed mirror: state %s set aside (%s); checked the copy again: %d entries\n", state.Path(), st.SetAside, st.Checked)
	}
	for {
		res, err := m.Once(ctx)
		notTheirs := false
		if err != nil && firstUse != nil {
			err, notTheirs = firstUse.explain(ctx, src, err)
		}
		switch {
		case !errors.Is(err, jose.ErrUnknownKey) || *fedFile != "" || notTheirs:
		case firstUse != nil && firstUse.listed:
			err = fmt.Errorf("%w; an entry is signed by a key that is not pinned, and that %s does not list at %s, where a log publishes every key it has had (or --federation FILE --jurisdiction %s pins the member's keys)", err, *from, tiles.NoteKeysPath, iss)
		default:
			err = fmt.Errorf("%w; an entry is signed by a key that is not pinned: the first entries of a log that rotated its key are signed by its retired keys, so give each of its keys, active and retired, with --vkey (a corfed node lists them at GET /v1/log/note-keys, its tiles at %s) (or --federation FILE --jurisdiction %s, which pins them all)", err, tiles.NoteKeysPath, iss)
		}
		var mis *federation.MisbehaviourError
		if errors.As(err, &mis) {
			// A fork or a rollback: the log misbehaved. Keep the two
			// signed notes that prove it, and stop (a watch too): a
			// supervisor must see it.
			file, werr := writeEvidence(filepath.Join(filepath.Dir(state.Path()), "evidence"), *from, mis, time.Now())
			if werr != nil {
				return fmt.Errorf("%w (the evidence could not be kept: %v)", err, werr)
			}
			return fmt.Errorf("%w; the two signed checkpoints that show it are kept in %s", err, file)
		}
		if err == nil {
			firstUse = nil // pinned now (the state)
		}
		switch {
		case err != nil && !*watch:
			return err
		case err != nil:
			fmt.Fprintf(stderr, "corfed mirror: %v\n", err)
		case res.To == res.From && *recheck:
			fmt.Fprintf(stdout, "checkpoint size %d root %s: nothing new; verified the checkpoint (its signature, its consistency with the copy's) and every file of the copy against it\n", res.To, res.Root)
		case res.To == res.From:
			fmt.Fprintf(stdout, "checkpoint size %d root %s: nothing new; verified the checkpoint (its signature, its consistency with the copy's), not the copy's files (--recheck audits them)\n", res.To, res.Root)
		case !res.Cosigned:
			fmt.Fprintf(stdout, "verified and copied entries %d to %d; published the log's checkpoint size %d root %s without cosigning it (%s)\n", res.From+1, res.To, res.To, res.Root, res.Uncosigned)
		default:
			fmt.Fprintf(stdout, "verified and copied entries %d to %d; cosigned checkpoint size %d root %s\n", res.From+1, res.To, res.To, res.Root)
		}
		if !*watch {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return err
			}
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return ctx.Err()
		case <-time.After(*interval):
		}
	}
}

// writeEvidence writes the two signed checkpoints of a fork or rollback
// (mis) read from `from` to a new file in dir, named after now, and
// returns its path.
func writeEvidence(dir, from string, mis *federation.MisbehaviourError, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	kind := "fork"
	if errors.Is(mis, tiles.ErrRollback) {
		kind = "rollback"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "corfed mirror: %s of the log read from %s, seen %s\n%v\n\n", kind, from, now.UTC().Format(time.RFC3339), mis.Err)
	if mis.Verified != nil {
		fmt.Fprintf(&b, "The checkpoint this mirror verified and published:\n\n%s\n", mis.Verified)
	} else {
		b.WriteString("This mirror's copy holds no checkpoint yet (the tree it contradicts is in the mirror's state or its key's ledger).\n\n")
	}
	fmt.Fprintf(&b, "The conflicting checkpoint, as read from %s:\n\n%s", from, mis.Conflicting)
	f, err := os.CreateTemp(dir, now.UTC().Format("20060102T150405Z")+"-"+kind+"-*.txt")
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

// listFlag is a flag given any number of times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// clipArg shortens a command-line value quoted in an error.
func clipArg(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// fileLedger is the cosigning key's ledger (federation.CosignLedger) in
// a store file beside the key, opened for each record so that mirrors in
// other processes sharing the key take turns (bbolt's file lock).
type fileLedger string

func (f fileLedger) Record(ctx context.Context, log federation.LogID, t tlog.Tree, check func(prev tlog.Tree) error) error {
	if err := os.MkdirAll(filepath.Dir(string(f)), 0o700); err != nil {
		return fmt.Errorf("the cosigning key's ledger: %w", err)
	}
	db, err := boltstore.Open(string(f), boltstore.Options{Timeout: time.Minute})
	if err != nil {
		return fmt.Errorf("the cosigning key's ledger: %w", err)
	}
	defer db.Close()
	return federation.StoreLedger{Store: db.Store()}.Record(ctx, log, t, check)
}

// defaultMirrorState is the state file of a mirror of iss's log to `to`:
// under keyDir/state, named after iss and a hash of to (a directory made
// absolute), so that mirrors sharing a key keep their states apart.
func defaultMirrorState(keyDir string, iss registry.Jurisdiction, to string) string {
	if !strings.Contains(to, "://") {
		if abs, err := filepath.Abs(to); err == nil {
			to = abs
		}
	}
	sum := sha256.Sum256([]byte(to))
	return filepath.Join(keyDir, "state", fmt.Sprintf("%s-%x.db", iss, sum[:8]))
}

// openMirrorState opens the mirror's state file: path, or by default one
// under keyDir named after iss and to (defaultMirrorState).
func openMirrorState(path, keyDir string, iss registry.Jurisdiction, to string) (*boltstore.DB, error) {
	if path == "" {
		path = defaultMirrorState(keyDir, iss, to)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	db, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	return db, nil
}

// noteKeyPin is the log keys a mirror given neither --vkey nor
// --federation falls back to when its state holds no pin, and what the
// source publishes now (theirs, "" if nothing).
type noteKeyPin struct {
	keys         []string // the keys to pin: the copy's note-key, else the source's note-keys (or its note-key)
	theirs       string   // the key the source publishes as its active one
	listed       bool     // keys are the source's note-keys (every key of the log), not its note-key alone
	from, to     string
	pinnedInCopy bool // keys is the one --to's note-key holds (an earlier run's), not trusted on first use
}

// firstUseKey is the log keys a mirror given neither --vkey nor
// --federation verifies with when its state holds no pin: the one its
// copy's note-key holds (written by an earlier run, after it verified),
// else, on first use, those the source publishes at note-keys (every key
// of the log, the active one first), or at note-key for a source that
// has no note-keys (written before they were published), trusted then
// and said so on stderr (warnUnpinned). A note-keys that cannot be read
// (malformed, oversized) is an error, not a reason to fall back.
func firstUseKey(ctx context.Context, src tiles.Source, dst *tiles.Store, from, to string, stderr io.Writer) (noteKeyPin, error) {
	theirs, srcErr := tiles.ReadNoteKeys(ctx, src)
	listed := srcErr == nil
	if errors.Is(srcErr, registry.ErrNotFound) {
		var k string
		if k, srcErr = tiles.ReadNoteKey(ctx, src); srcErr == nil {
			theirs = []string{k}
		}
	}
	if srcErr != nil && !errors.Is(srcErr, registry.ErrNotFound) {
		srcErr = fmt.Errorf("--from %s: %w", from, srcErr)
	}
	pin := noteKeyPin{from: from, to: to, listed: listed}
	if srcErr == nil {
		pin.theirs = theirs[0]
	}
	pinned, err := tiles.ReadNoteKey(ctx, dst)
	switch {
	case err == nil:
		pin.keys, pin.pinnedInCopy = []string{pinned}, true
		return pin, nil
	case !errors.Is(err, registry.ErrNotFound):
		return pin, fmt.Errorf("--to %s: %w", to, err)
	case srcErr != nil && errors.Is(srcErr, registry.ErrNotFound):
		return pin, fmt.Errorf("no key to verify with: give --vkey or --federation FILE --jurisdiction CA-XX (neither %s nor %s holds a %s or %s)", from, to, tiles.NoteKeysPath, tiles.NoteKeyPath)
	case srcErr != nil:
		return pin, srcErr
	}
	pin.keys = theirs
	return pin, nil
}

// warnUnpinned says on stderr what the mirror trusts: on first use, the
// source's keys; else, when the source publishes a key that is not
// pinned (in keys, the state's pin, or, when nil, p.keys), what the run
// does with it.
func (p noteKeyPin) warnUnpinned(keys *jose.KeySet, stderr io.Writer) {
	if keys == nil && !p.pinnedInCopy {
		if len(p.keys) > 1 {
			fmt.Fprintf(stderr, "corfed mirror: no --vkey or --federation: trusting, on first use, the keys %s publishes at %s: %s (active) and %d retired (%s); they are pinned once verified (kept with the mirror's state, and the active one in %s/%s), and later runs verify against them; a retired key verifies only what precedes its retirement in the log, never a newer checkpoint\n",
				p.from, tiles.NoteKeysPath, p.keys[0], len(p.keys)-1, strings.Join(p.keys[1:], ", "), p.to, tiles.NoteKeyPath)
			return
		}
		fmt.Fprintf(stderr, "corfed mirror: no --vkey or --federation: trusting, on first use, the key %s publishes: %s; it is pinned once verified (kept with the mirror's state, and in %s/%s), and later runs verify against it\n",
			p.from, p.theirs, p.to, tiles.NoteKeyPath)
		return
	}
	if p.theirs == "" {
		return
	}
	pinned := keys != nil && func() bool {
		_, pub, err := tiles.VerifierFromKey(p.theirs)
		if err != nil {
			return false
		}
		_, ok := keys.Lookup(pub.KID)
		return ok
	}()
	if pinned || keys == nil && slices.Contains(p.keys, p.theirs) {
		return
	}
	fmt.Fprintf(stderr, "corfed mirror: %s now publishes the key %s, which this mirror has not pinned: its checkpoint is accepted only if a pinned key signs it, or if the log's entries announce the new key in an entry signed by a pinned key (a key rotation: the mirror then follows it and pins the new key too); a key the log did not announce is refused\n",
		p.from, p.theirs)
}

// explain returns err, a refusal on first use, prefixed, when the
// source's checkpoint does not verify with the keys it publishes (those
// trusted), by what that means: tiles signed by another key than the one
// the source names (another log's, or a note-key that is not this log's),
// not a rotation, and true. Otherwise err as it is, and false.
func (p noteKeyPin) explain(ctx context.Context, src tiles.Source, err error) (error, bool) {
	msg, gerr := src.Get(ctx, tiles.CheckpointPath, tiles.MaxCheckpointSize)
	if gerr != nil {
		return err, false
	}
	vs := make([]note.Verifier, 0, len(p.keys))
	for _, k := range p.keys {
		v, verr := note.NewVerifier(k)
		if verr != nil {
			return err, false
		}
		vs = append(vs, v)
	}
	var une *note.UnverifiedNoteError
	if _, oerr := note.Open(msg, note.VerifierList(vs...)); !errors.As(oerr, &une) {
		return err, false
	}
	where, which := tiles.NoteKeyPath, "the key "+p.keys[0]
	switch {
	case p.listed && len(p.keys) > 1:
		where, which = tiles.NoteKeysPath, "any of the keys "+strings.Join(p.keys, ", ")
	case p.listed:
		where = tiles.NoteKeysPath
	}
	return fmt.Errorf("the checkpoint at %s does not verify with %s that %s publishes at %s: its tiles are signed by another key (another log's, or a %s that is not this log's); nothing was pinned (what the mirror found: %w)",
		p.from, which, p.from, where, where, err), true
}

// checkBulkFile checks a snapshot or delta file against the log at src
// (federation.CheckBulk) and says what it checked.
func checkBulkFile(ctx context.Context, path string, iss registry.Jurisdiction, keys *jose.KeySet, src tiles.Source, stdout io.Writer) error {
	name, err := tiles.ParseBulkName(path)
	if err != nil {
		return fmt.Errorf("--check: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--check: %w", err)
	}
	defer f.Close()
	c, err := federation.CheckBulk(ctx, f, name, iss, keys, src)
	if err != nil {
		return fmt.Errorf("--check %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s: entries %d to %d verified (each JWS by corfed/%s's keys, each the log's leaf; checkpoint size %d root %s)\n",
		path, name.From+1, name.To, iss, c.Size, c.Root)
	return nil
}
