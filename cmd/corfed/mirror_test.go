package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// servedLog grows a node to count employers named name, publishes it to
// a directory with policy and serves that over HTTP.
func servedLog(t *testing.T, count int, name string, policy tiles.SnapshotPolicy) (src, url, vkey string, published uint64) {
	t.Helper()
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	for i := range count {
		prefix := fmt.Sprintf("6%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("%s %d", name, i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	src = t.TempDir()
	store, err := tiles.OpenStore(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store, Snapshots: policy})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	t.Cleanup(srv.Close)
	vkey, _ = tiles.NoteKey(n)
	return src, srv.URL, vkey, published
}

// flipByte XORs the byte at i of the file at path with mask.
func flipByte(t *testing.T, path string, i int, mask byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[i] ^= mask
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMirrorCommand runs `corfed mirror` against tiles served over HTTP:
// exit 0 when everything verifies, 1 with the reason on a tampered tile.
func TestMirrorCommand(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, published := servedLog(t, 20, "Mirror Co", tiles.SnapshotPolicy{})
	run := func(to string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", srvURL, "--to", to, "--vkey", vkey, "--key", filepath.Join(t.TempDir(), "mk")}, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, stderr := run(t.TempDir())
	if code != 0 || !strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the copied range", code, out, stderr)
	}
	flipByte(t, filepath.Join(src, "tile", "0", fmt.Sprintf("000.p/%d", published)), 7, 0x80)
	code, _, stderr = run(t.TempDir())
	if code != 1 || !strings.Contains(stderr, "tampered") {
		t.Fatalf("tampered tile: exit %d, stderr %q; want 1 naming the tampering", code, stderr)
	}
}

// TestMirrorCommandState: a mirror run again with the same --key keeps its
// state there (one file per log and --to) and checks only what is new, so
// a byte flipped in an old bundle of the copy goes unread; --recheck reads
// the whole copy again, names the damage and copies the log again over it,
// as it does over a damaged checkpoint (which a run without it refuses,
// naming --recheck).
func TestMirrorCommandState(t *testing.T) {
	ctx := context.Background()
	_, srvURL, vkey, published := servedLog(t, 300, "State Co", tiles.SnapshotPolicy{})
	to, keyDir := t.TempDir(), filepath.Join(t.TempDir(), "mk")
	run := func(extra ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, append([]string{"mirror", "--from", srvURL, "--to", to, "--vkey", vkey, "--key", keyDir}, extra...), nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, stderr := run(); code != 0 || !strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, err := os.Stat(defaultMirrorState(keyDir, "CA-AB", to)); err != nil {
		t.Fatalf("no state file: %v", err)
	}
	want := fmt.Sprintf("set aside (asked to recheck); checked the copy again: %d entries", published)
	if code, _, stderr := run("--recheck"); code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("--recheck: exit %d, stderr %q; want 0 and %q", code, stderr, want)
	}
	flipByte(t, filepath.Join(to, "tile", "entries", "000"), 40, 1)
	if code, out, stderr := run(); code != 0 || !strings.Contains(out, "nothing new; verified the checkpoint") {
		t.Fatalf("run again: exit %d, stdout %q, stderr %q; want 0, nothing new", code, out, stderr)
	}
	code, out, stderr := run("--recheck")
	if code != 0 || !strings.Contains(stderr, "tampered") || !strings.Contains(stderr, "copying the whole log again") ||
		!strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) {
		t.Fatalf("--recheck over a tampered copy: exit %d, stdout %q, stderr %q; want 0, the tampering named and the copy repaired", code, out, stderr)
	}
	if code, _, stderr := run("--recheck"); code != 0 || !strings.Contains(stderr, want) {
		t.Fatalf("--recheck after the repair: exit %d, stderr %q; want 0 and %q", code, stderr, want)
	}
	// The copy's checkpoint damaged: refused, pointing at --recheck,
	// which repairs it.
	flipByte(t, filepath.Join(to, "checkpoint"), len("corfed/CA-AB\n"), 1)
	if code, _, stderr := run(); code != 1 || !strings.Contains(stderr, "--recheck copies it again") {
		t.Fatalf("a damaged checkpoint: exit %d, stderr %q; want 1 and --recheck named", code, stderr)
	}
	code, out, stderr = run("--recheck")
	if code != 0 || !strings.Contains(stderr, "copying the whole log again") ||
		!strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) {
		t.Fatalf("--recheck over a damaged checkpoint: exit %d, stdout %q, stderr %q; want 0 and the copy repaired", code, out, stderr)
	}
}

// TestMirrorFirstUse runs `corfed mirror --from URL --to DIR` with no key:
// the first run trusts the key the source publishes at note-key (and says
// so), the copy keeps it, and later runs verify against it, so that a
// source that turns to another key is refused. A tampered source is
// refused on first use too, and pins nothing; a source with no note-key
// and a copy with none give a usage problem naming the flags.
func TestMirrorFirstUse(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, published := servedLog(t, 20, "First Use Co", tiles.SnapshotPolicy{})
	run := func(from, to string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", from, "--to", to, "--key", filepath.Join(t.TempDir(), "mk")}, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	dst := t.TempDir()
	code, out, stderr := run(srvURL, dst)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) || !strings.Contains(stderr, "on first use") || !strings.Contains(stderr, vkey) {
		t.Fatalf("first use: exit %d, stdout %q, stderr %q; want 0, the copied range, and the key trusted named", code, out, stderr)
	}
	if got, err := os.ReadFile(filepath.Join(dst, tiles.NoteKeyPath)); err != nil || string(got) != vkey+"\n" {
		t.Fatalf("pinned note-key %q, %v; want %q", got, err, vkey)
	}
	code, out, stderr = run(srvURL, dst)
	if code != 0 || !strings.Contains(out, "nothing new; verified the checkpoint") || stderr != "" {
		t.Fatalf("second run: exit %d, stdout %q, stderr %q; want 0, nothing new, and no first-use warning", code, out, stderr)
	}

	// Another log (another node's key) now served where the first was.
	_, otherURL, otherKey, _ := servedLog(t, 25, "Impostor Co", tiles.SnapshotPolicy{})
	code, _, stderr = run(otherURL, dst)
	if code != 1 || !strings.Contains(stderr, "now publishes the key "+otherKey) || !strings.Contains(stderr, "mirror: checkpoint") || !strings.Contains(stderr, "unverified") {
		t.Fatalf("another key at the source: exit %d, stderr %q; want 1, the key change and the refusal", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, tiles.NoteKeyPath)); string(got) != vkey+"\n" {
		t.Fatalf("the pin changed to %q", got)
	}

	// A tampered tile on first use: refused, nothing pinned.
	flipByte(t, filepath.Join(src, "tile", "0", fmt.Sprintf("000.p/%d", published)), 7, 0x80)
	fresh := t.TempDir()
	code, _, stderr = run(srvURL, fresh)
	if code != 1 || !strings.Contains(stderr, "tampered") {
		t.Fatalf("tampered tile on first use: exit %d, stderr %q; want 1 naming the tampering", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(fresh, tiles.NoteKeyPath)); !os.IsNotExist(err) {
		t.Fatalf("a refused first run pinned a key: %v", err)
	}

	// No note-keys or note-key anywhere.
	for _, path := range []string{tiles.NoteKeysPath, tiles.NoteKeyPath} {
		if err := os.Remove(filepath.Join(src, path)); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr = run(srvURL, t.TempDir())
	if code != 1 || !strings.Contains(stderr, "--vkey") || !strings.Contains(stderr, "--federation") {
		t.Fatalf("no key anywhere: exit %d, stderr %q; want 1 naming --vkey and --federation", code, stderr)
	}
}

// TestMirrorCheckCommand runs `corfed mirror --check` on a snapshot the
// publisher wrote: exit 0, and 1 with the reason once an entry is altered.
func TestMirrorCheckCommand(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, published := servedLog(t, 30, "Snapshot Co", tiles.SnapshotPolicy{Every: 10})
	snap := filepath.Join(src, "snapshot", fmt.Sprintf("%d.jsonl.gz", published))
	run := func() (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", srvURL, "--vkey", vkey, "--check", snap}, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, stderr := run()
	if code != 0 || !strings.Contains(out, fmt.Sprintf("entries 1 to %d verified", published)) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the range checked", code, out, stderr)
	}
	zr, err := gzip.NewReader(bytes.NewReader(must(os.ReadFile(snap))))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	raw = bytes.Replace(raw, []byte(`"seq":5,"jws":"eyJ`), []byte(`"seq":5,"jws":"eyK`), 1)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(snap, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run()
	if code != 1 || !strings.Contains(stderr, "seq 5") || !strings.Contains(stderr, "tampered") {
		t.Fatalf("altered entry: exit %d, stderr %q; want 1 naming seq 5 and the tampering", code, stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestMirrorKeyFlags: the ways of naming a log's key that cannot work are
// refused with the reason, before anything is copied.
func TestMirrorKeyFlags(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, _ := servedLog(t, 3, "Flags Co", tiles.SnapshotPolicy{})
	fed := filepath.Join(t.TempDir(), "federation.json")
	if err := os.WriteFile(fed, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		setup func()
		code  int
		says  []string
	}{
		{"both --vkey and --federation", []string{"--to", "DST", "--vkey", vkey, "--federation", fed, "--jurisdiction", "CA-AB"}, nil, 2, []string{"not both"}},
		{"--check with no key", []string{"--check", "x/10.jsonl.gz"}, nil, 2, []string{"--check needs", "--vkey"}},
		{"--vkey of another jurisdiction", []string{"--to", "DST", "--vkey", vkey, "--jurisdiction", "CA-BC"}, nil, 1, []string{"--jurisdiction CA-BC", "CA-AB"}},
		{"a note-keys that is not keys", []string{"--to", "DST"}, func() {
			if err := os.WriteFile(filepath.Join(src, tiles.NoteKeysPath), []byte(vkey+"\nnot a key\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{"--from", "note-keys: line 2"}},
		{"an oversized note-keys", []string{"--to", "DST"}, func() {
			if err := os.WriteFile(filepath.Join(src, tiles.NoteKeysPath), bytes.Repeat([]byte(vkey+"\n"), 1000), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{"--from", "note-keys", fmt.Sprintf("more than %d bytes", tiles.MaxNoteKeysSize)}},
		{"a note-key that is not a key (a source with no note-keys)", []string{"--to", "DST"}, func() {
			if err := os.Remove(filepath.Join(src, tiles.NoteKeysPath)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, tiles.NoteKeyPath), []byte("not a key\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{"--from", "note-key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			dst := t.TempDir()
			args := []string{"mirror", "--from", srvURL, "--key", filepath.Join(t.TempDir(), "mk")}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "DST", dst))
			}
			var out, errb bytes.Buffer
			code := Main(ctx, args, nil, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			for _, s := range tc.says {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr %q does not say %q", errb.String(), s)
				}
			}
			if _, err := os.Stat(filepath.Join(dst, "checkpoint")); !os.IsNotExist(err) {
				t.Errorf("something was copied: %v", err)
			}
		})
	}
}

// TestMirrorFirstUseOfAnotherKey (review s29-i L5): on first use, tiles
// whose checkpoint the key the source publishes does not verify (another
// log's key at note-keys or note-key) are refused saying so, naming that
// key, and without the advice for a log that rotated its key, which does
// not apply: a log's checkpoint is signed by the key it publishes.
func TestMirrorFirstUseOfAnotherKey(t *testing.T) {
	ctx := context.Background()
	_, _, otherKey, _ := servedLog(t, 3, "Other Co", tiles.SnapshotPolicy{})
	for _, tc := range []struct {
		name  string
		edit  func(src string)
		where string
	}{
		{"at note-keys", func(src string) {
			writeFile(t, filepath.Join(src, tiles.NoteKeysPath), otherKey+"\n")
		}, "with the key " + otherKey + " that " + "SRC publishes at note-keys"},
		{"at note-key, with no note-keys", func(src string) {
			if err := os.Remove(filepath.Join(src, tiles.NoteKeysPath)); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(src, tiles.NoteKeyPath), otherKey+"\n")
		}, "with the key " + otherKey + " that " + "SRC publishes at note-key:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, srvURL, _, _ := servedLog(t, 5, "Own Co", tiles.SnapshotPolicy{})
			tc.edit(src)
			dst := t.TempDir()
			var out, errb bytes.Buffer
			code := Main(ctx, []string{"mirror", "--from", srvURL, "--to", dst, "--key", filepath.Join(t.TempDir(), "mk")}, nil, &out, &errb)
			stderr := errb.String()
			if code != 1 || !strings.Contains(stderr, "the checkpoint at "+srvURL+" does not verify "+strings.ReplaceAll(tc.where, "SRC", srvURL)) || strings.Contains(stderr, "give each of its keys") {
				t.Errorf("exit %d, stderr %q; want 1, the checkpoint not verified by the key named, and no rotation advice", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(dst, tiles.NoteKeyPath)); !os.IsNotExist(err) {
				t.Errorf("a refused first use pinned a key: %v", err)
			}
		})
	}
}
