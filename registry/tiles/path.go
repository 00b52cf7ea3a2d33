package tiles

import (
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// Height is the height of every tile: 256 hashes (or entries) wide.
const Height = 8

// TileWidth is the number of hashes in a full tile, and of entries in a
// full bundle.
const TileWidth = 1 << Height

// CheckpointPath is the path of the signed checkpoint.
const CheckpointPath = "checkpoint"

// NoteKeyPath is the path of the note verifier key (vkey) of the key that
// signed the checkpoint, one line. It is not part of C2SP: it lets a
// mirror given no key start by trusting it on first use (see ReadNoteKey),
// and a mirror writes the key it verified with beside its copy, which is
// then that mirror's pin.
const NoteKeyPath = "note-key"

// NoteKeysPath is the path of the vkeys of every key of the log, one a
// line: the active key's first, then the retired ones. Not part of C2SP:
// the first entries of a log that rotated its key are signed by its
// retired keys, so a mirror given no key that starts from it (see
// ReadNoteKeys) can check the whole log, which note-key alone does not
// let it do.
const NoteKeysPath = "note-keys"

// Path returns the C2SP tlog-tiles path of t: "tile/<L>/<N>[.p/<W>]" for a
// hash tile, "tile/entries/<N>[.p/<W>]" for an entry bundle (t.L == -1).
// N is written in groups of three digits, "x" before all but the last
// (tile 1234067 is x001/x234/067). t.H must be Height.
//
// x/mod's own paths carry the height ("tile/8/0/..." and "tile/8/data/...");
// C2SP's do not.
func Path(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		p = "entries/" + rest
	}
	return "tile/" + p
}

// Partial reports whether path names a partial tile or entry bundle
// ("<tile path>.p/<W>"), one the publisher prunes once the full tile has
// been served PartialGrace. A bucket opened by a GetObject-only policy
// answers 403, not 404, for a key it does not hold: a reader takes that
// for a pruned partial too, and falls back to the full tile (which it
// checks against the tree as any).
func Partial(path string) bool {
	return strings.HasPrefix(path, "tile/") && strings.Contains(path, ".p/")
}

// Bundle returns the coordinates of the entry bundle beside level-0 tile t.
func Bundle(t tlog.Tile) tlog.Tile { return tlog.Tile{H: t.H, L: -1, N: t.N, W: t.W} }
