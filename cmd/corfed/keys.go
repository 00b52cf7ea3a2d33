package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
)

// Files in a node's data directory.
const (
	keysFile = "keys.json" // the node's private keys (JWKS with private members), mode 0600
	dbFile   = "corfed.db" // the bbolt store
	nodeFile = "node.json" // {"jurisdiction": "CA-AB"}, written at first start
)

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet("corfed "+name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	return fl
}

// parse parses args into fl. -h/--help becomes a *helpRequest (usage on
// stdout, exit 0); a bad flag or a stray argument a usage error that Main
// prints with the command's name (exit 2).
func parse(fl *flag.FlagSet, args []string) error {
	out := fl.Output()
	fl.SetOutput(io.Discard) // Main prints the error and the usage
	err := fl.Parse(args)
	fl.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return &helpRequest{fl}
	case err != nil:
		return usagef("%v", err)
	case fl.NArg() > 0:
		return usagef("unexpected argument %q", fl.Arg(0))
	}
	return nil
}

// loadOrCreateKeys returns the keyring in dir, creating one with a fresh
// key of alg when there is none (and no signed store beside it: see
// refuseNewKeyBesideStore).
func loadOrCreateKeys(dir, alg string, now time.Time) (*jose.Keyring, bool, error) {
	path := filepath.Join(dir, keysFile)
	ring, err := jose.LoadKeyring(path)
	if err == nil {
		return ring, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, registry.ErrNotFound) {
		return nil, false, err
	}
	if err := refuseNewKeyBesideStore(dir); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	ring = &jose.Keyring{}
	if _, err := ring.Rotate(alg, now); err != nil {
		return nil, false, err
	}
	if err := ring.Save(path); err != nil {
		return nil, false, err
	}
	return ring, true, nil
}

// refuseNewKeyBesideStore refuses to make a first key in dir when dir's
// store already holds a feed: its entries were signed by keys that are
// not there (keys.json lost, or the store copied from another node), and
// a new key would introduce itself in the middle of the feed, with no
// chain to the key peers pin (the node refuses such a store; this keeps
// a stray keys.json from being left beside it).
func refuseNewKeyBesideStore(dir string) error {
	path := filepath.Join(dir, dbFile)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil // no store, or an empty file bbolt will initialize
	}
	db, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	var size uint64
	if err := db.Store().View(context.Background(), func(tx registry.StoreTx) error { size = tx.Log(node.SelfLog).Size(); return nil }); err != nil {
		return err
	}
	if size == 0 {
		return nil
	}
	return fmt.Errorf("%s holds a feed of %d signed entries but there is no %s beside it: the keys that signed them are missing (lost, or the store was copied from another node); "+
		"put back the %s that goes with this store; a new key would sign entries that chain to nothing peers trust: %w",
		path, size, filepath.Join(dir, keysFile), keysFile, registry.ErrConflict)
}

func runKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("keygen", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory")
	alg := fl.String("alg", jose.EdDSA, "signature algorithm: EdDSA (Ed25519) or ES256 (P-256)")
	rotate := fl.Bool("rotate", false, "add a new active key and retire the current one (it stays published so old entries verify)")
	public := fl.Bool("public", false, "make nothing: print the node's public keys, every one without its private part, as the JWKS its member entry in a federation file pins")
	vkeys := fl.Bool("vkeys", false, "with --public: print instead the note verifier keys (vkeys) of its EdDSA keys, one a line, the active first, then the retired (as GET /v1/log/note-keys serves them; what corfed mirror --vkey takes)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *vkeys && !*public {
		return usagef("--vkeys prints keys: give it with --public")
	}
	if *alg != jose.EdDSA && *alg != jose.ES256 {
		return usagef("--alg: %q is not EdDSA or ES256", *alg)
	}
	path := filepath.Join(*dir, keysFile)
	if *public {
		if *rotate {
			return usagef("--public prints the keys there are; give --rotate alone to make a new one, then --public")
		}
		if *vkeys {
			return printNoteKeys(*dir, stdout)
		}
		return printPublicKeys(path, stdout)
	}
	ring, err := jose.LoadKeyring(path)
	switch {
	case err == nil && !*rotate:
		return fmt.Errorf("%s already holds a key (active kid %s); use --rotate to replace it", path, ring.Active().KID)
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, registry.ErrNotFound):
		if err := refuseNewKeyBesideStore(*dir); err != nil {
			return err
		}
		ring = &jose.Keyring{}
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
	default:
		return err
	}
	k, err := ring.Rotate(*alg, time.Now())
	if err != nil {
		return err
	}
	if err := ring.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: active key %s (%s)\n", path, k.KID, k.Alg)
	return nil
}

// printPublicKeys prints the public JWKS of the keyring at path, indented:
// every key (a retired one still verifies the entries it signed), with its
// status and no private member, as a federation file's members[].keys.
func printPublicKeys(path string, stdout io.Writer) error {
	ring, err := jose.LoadKeyring(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("%s: no keys to print; make them first with corfed keygen --data %s", path, filepath.Dir(path))
	}
	if err != nil {
		return err
	}
	b, err := ring.PublicSet().MarshalJWKS()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = stdout.Write(out.Bytes())
	return err
}

// printNoteKeys prints the note verifier keys of the keyring in dir, one
// a line, the active one first (tiles.NoteKeys), named after the node's
// jurisdiction (node.json).
func printNoteKeys(dir string, stdout io.Writer) error {
	path := filepath.Join(dir, keysFile)
	ring, err := jose.LoadKeyring(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("%s: no keys to print; make them first with corfed keygen --data %s", path, dir)
	}
	if err != nil {
		return err
	}
	ni, err := readNodeInfo(dir)
	if err != nil {
		return fmt.Errorf("--vkeys: a vkey is named after the node's jurisdiction, which corfed serve records in %s: %w (the running node lists them at GET /v1/log/note-keys)", filepath.Join(dir, nodeFile), err)
	}
	vkeys, err := tiles.NoteKeys(ringLog{logproof.Origin(ni.Jurisdiction), ring})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, strings.Join(vkeys, "\n"))
	return err
}

// ringLog is a keyring as tiles.NoteKeys reads a log's keys.
type ringLog struct {
	origin string
	ring   *jose.Keyring
}

func (r ringLog) Origin() string           { return r.origin }
func (r ringLog) ActiveKey() *jose.Key     { return r.ring.Active() }
func (r ringLog) PublicKeys() *jose.KeySet { return r.ring.PublicSet() }

type nodeInfo struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
}

func readNodeInfo(dir string) (nodeInfo, error) {
	var ni nodeInfo
	b, err := os.ReadFile(filepath.Join(dir, nodeFile))
	if err != nil {
		return ni, err
	}
	if err := json.Unmarshal(b, &ni); err != nil {
		return ni, fmt.Errorf("%s: %w", filepath.Join(dir, nodeFile), err)
	}
	return ni, nil
}

func writeNodeInfo(dir string, ni nodeInfo) error {
	b, _ := json.Marshal(ni)
	return os.WriteFile(filepath.Join(dir, nodeFile), append(b, '\n'), 0o600)
}

func runToken(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "revoke" {
		return runRevoke(ctx, args[1:], stdin, stdout, stderr)
	}
	fl := newFlags("token", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory (its key signs the token)")
	jur := fl.String("jurisdiction", "", "the node's jurisdiction (default: the one the node was started with)")
	role := fl.String("role", node.RoleAdmin, "admin (program administrator) or cp (a certifying partner)")
	cp := fl.String("cp", "", "the CP id, with --role cp")
	scope := fl.String("scope", "", "comma-separated scopes (default: all for admin; certificates:write,employers:write,audits:write for a CP); one of "+strings.Join(node.AllScopes, ", "))
	ttl := fl.Duration("ttl", 24*time.Hour, "lifetime of the token (at most 2160h)")
	if err := parse(fl, args); err != nil {
		return err
	}
	j := registry.Jurisdiction(*jur)
	if j == "" {
		ni, err := readNodeInfo(*dir)
		if err != nil {
			return fmt.Errorf("no --jurisdiction and no %s in %s (start the node once first): %w", nodeFile, *dir, err)
		}
		j = ni.Jurisdiction
	}
	if !j.Valid() {
		return usagef("--jurisdiction: %q is not an ISO 3166-2:CA code", j)
	}
	if *role == node.RoleCP && *cp == "" {
		return usagef("--cp is required with --role cp: the certifying partner's id")
	}
	ring, err := jose.LoadKeyring(filepath.Join(*dir, keysFile))
	if err != nil {
		return fmt.Errorf("reading the node's key: %w", err)
	}
	var scopes []string
	if *scope != "" {
		scopes = strings.Split(*scope, ",")
	}
	tok, err := node.IssueToken(ring.Active(), j, time.Now(), node.TokenRequest{Role: *role, CP: *cp, Scopes: scopes, TTL: *ttl})
	if ve := registry.Problems(err); ve != nil {
		// A flag's value the node refuses is a usage error: name the flag.
		msgs := make([]string, len(ve))
		for i, e := range ve {
			msgs[i] = "--" + e.Field + ": " + e.Reason
		}
		return usagef("%s", strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	if *role == node.RoleCP {
		switch known, checked := cpKnown(ctx, *dir, *cp); {
		case !checked:
			fmt.Fprintf(stderr, "note: the node's store is in use (the node is running?), so whether it holds CP %s was not checked: GET /v1/cps/%s tells\n", *cp, *cp)
		case !known:
			fmt.Fprintf(stderr, "warning: CP %s is not on this node: the token is issued, but its writes are refused until the CP is registered (POST /v1/cps)\n", *cp)
		}
	}
	if jti, err := tokenID(tok); err == nil {
		fmt.Fprintf(stderr, "token id (jti) %s: revoke it with `corfed token revoke %s --data %s`\n", jti, jti, *dir)
	}
	return nil
}

// cpKnown reports whether the node's store in dir holds CP id, and
// whether that could be checked: not while another process (the running
// node) holds the store's lock. A directory with no store holds no CP.
func cpKnown(ctx context.Context, dir, id string) (known, checked bool) {
	path := filepath.Join(dir, dbFile)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return false, errors.Is(err, fs.ErrNotExist) || err == nil
	}
	db, err := boltstore.Open(path, boltstore.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		return false, false
	}
	defer db.Close()
	err = db.Store().View(ctx, func(tx registry.StoreTx) error {
		_, err := tx.Log(node.SelfLog).Latest(registry.KindCP, id)
		return err
	})
	switch {
	case err == nil:
		return true, true
	case errors.Is(err, registry.ErrNotFound):
		return false, true
	}
	return false, false
}

// tokenID returns the jti of a token this command signed.
func tokenID(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var c node.TokenClaims
	if err := json.Unmarshal(b, &c); err != nil {
		return "", err
	}
	return c.JTI, nil
}
