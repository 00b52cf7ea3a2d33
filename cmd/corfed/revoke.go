package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// revokedFile lists revoked bearer token ids (jti), one a line, in the data
// directory. `corfed token revoke` appends to it (a running node holds the
// bbolt file, so the list cannot live there); the node rereads it when it
// changes.
const revokedFile = "revoked-tokens.txt"

var jtiPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// revocations is a node's view of revokedFile. Revoked is called on every
// authenticated request: it looks the file's modification time up at most
// once a second and rereads the file only when it changed.
type revocations struct {
	path string

	mu      sync.Mutex
	checked time.Time
	mod     time.Time
	size    int64
	ids     map[string]bool
	err     error // the last read's, reported by load
}

func newRevocations(dir string) (*revocations, error) {
	r := &revocations{path: filepath.Join(dir, revokedFile)}
	return r, r.load()
}

// load reads the file if it changed since the last read.
func (r *revocations) load() error {
	st, err := os.Stat(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		r.ids, r.mod, r.size = nil, time.Time{}, 0
		return nil
	}
	if err != nil {
		return err
	}
	if r.ids != nil && st.ModTime().Equal(r.mod) && st.Size() == r.size {
		return nil
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		return err
	}
	// Lines of any length (a bufio.Scanner would stop at a 64 KiB one,
	// and every id after it would be forgotten).
	ids := map[string]bool{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if id, _, _ := strings.Cut(strings.TrimSpace(string(line)), " "); id != "" && !strings.HasPrefix(id, "#") {
			ids[id] = true
		}
	}
	r.ids, r.mod, r.size = ids, st.ModTime(), st.Size()
	return nil
}

// Revoked reports whether jti is revoked (node.Config.Revoked). If the
// file cannot be read, the last list read stays in force.
func (r *revocations) Revoked(jti string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= time.Second {
		r.checked = now
		r.err = r.load()
	}
	return r.ids[jti]
}

// reload rereads the file now (SIGHUP).
func (r *revocations) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked = time.Now()
	r.err = r.load()
	return r.err
}

// runRevoke is `corfed token revoke JTI --data DIR`.
func runRevoke(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("token revoke", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory")
	var ids []string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !strings.HasPrefix(a, "-"):
			ids = append(ids, a)
		default:
			rest = append(rest, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && (a == "--data" || a == "-data") {
				rest = append(rest, args[i+1])
				i++
			}
		}
	}
	if err := parse(fl, rest); err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("JTI is required: the id of the token to revoke (`corfed token` prints it on stderr)")
	}
	for _, id := range ids {
		if !jtiPattern.MatchString(id) {
			return usagef("token id %q: want 1 to 64 characters of A-Z a-z 0-9 . _ -", id)
		}
	}
	if _, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(*dir, revokedFile), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	// A file edited by hand may end without a newline: an id appended to
	// its last line would make one unknown id of two, and revoke neither.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err != nil {
			f.Close()
			return err
		}
		if last[0] != '\n' {
			fmt.Fprintln(f)
		}
	}
	for _, id := range ids {
		fmt.Fprintf(f, "%s %s\n", id, time.Now().UTC().Format(time.RFC3339))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s in %s (a running node refuses it within a second)\n", strings.Join(ids, ", "), filepath.Join(*dir, revokedFile))
	return nil
}
