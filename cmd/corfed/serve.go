package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/webhook"
)

// nodeOptions are what every way of starting a node shares (serve, demo).
type nodeOptions struct {
	Jurisdiction registry.Jurisdiction
	Data         string
	Seed         bool
	TestData     string // the testdata directory (seed files, rules)
	NoSync       bool   // tests only
	Logger       *slog.Logger
	Now          func() time.Time
	// PartyKeys gives the node the pinned keys of other jurisdictions
	// (from the federation) to check their signatures on agreements.
	PartyKeys func(registry.Jurisdiction) (*jose.KeySet, bool)
	// Waker, if set, hears every committed write (the webhook outbox).
	Waker *webhook.Waker
}

// openNode opens (creating if needed) the node in o.Data: its key, its store,
// its identity file, and seeds it when asked and empty.
func openNode(ctx context.Context, o nodeOptions) (*node.Node, *boltstore.DB, error) {
	if !o.Jurisdiction.Valid() {
		return nil, nil, fmt.Errorf("--jurisdiction %q is not an ISO 3166-2:CA code (CA-AB, CA-BC, ...)", o.Jurisdiction)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(o.Data, 0o700); err != nil {
		return nil, nil, err
	}
	if ni, err := readNodeInfo(o.Data); err == nil && ni.Jurisdiction != o.Jurisdiction {
		return nil, nil, fmt.Errorf("%s holds the node of %s, not %s", o.Data, ni.Jurisdiction, o.Jurisdiction)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	ring, created, err := loadOrCreateKeys(o.Data, jose.EdDSA, o.Now())
	if err != nil {
		return nil, nil, err
	}
	if created {
		o.Logger.Info("created signing key", "kid", ring.Active().KID, "file", filepath.Join(o.Data, keysFile))
	}
	db, err := boltstore.Open(filepath.Join(o.Data, dbFile), boltstore.Options{NoSync: o.NoSync})
	if err != nil {
		return nil, nil, err
	}
	var store registry.Store = db.Store()
	if o.Waker != nil {
		store = webhook.NotifyingStore(store, o.Waker.Wake)
	}
	n, err := node.New(ctx, node.Config{Jurisdiction: o.Jurisdiction, Now: o.Now, PartyKeys: o.PartyKeys}, store, ring)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := writeNodeInfo(o.Data, nodeInfo{Jurisdiction: o.Jurisdiction}); err != nil {
		db.Close()
		return nil, nil, err
	}
	if o.Seed {
		if err := seedNode(ctx, n, o); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	return n, db, nil
}

func seedNode(ctx context.Context, n *node.Node, o nodeOptions) error {
	empty, err := n.Empty(ctx)
	if err != nil || !empty {
		return err
	}
	rb, err := node.LoadRuleBook(filepath.Join(o.TestData, "rules"))
	if err != nil {
		return fmt.Errorf("--seed: %w (run from the repository root, or pass --testdata)", err)
	}
	count, err := n.SeedRules(ctx, rb)
	if err != nil {
		return fmt.Errorf("seeding rules: %w", err)
	}
	path := filepath.Join(o.TestData, "seed", string(o.Jurisdiction)+".json")
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// No example employers for this jurisdiction: its rules only.
	case err != nil:
		return fmt.Errorf("--seed: %w", err)
	default:
		f, err := node.ParseSeed(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		c, err := n.Seed(ctx, f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		count += c
	}
	o.Logger.Info("seeded example records", "jurisdiction", o.Jurisdiction, "entries", count)
	return nil
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("serve", stderr)
	jur := fl.String("jurisdiction", "", "the node's jurisdiction, an ISO 3166-2:CA code such as CA-AB (required)")
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := fl.String("data", "./corfed-data", "data directory: bbolt store, signing key")
	seed := fl.Bool("seed", false, "when the node is empty, load its example records (testdata/seed) and publish its rules and agreements (testdata/rules)")
	fedFile := fl.String("federation", "", "federation file: the members, their URLs and pinned keys (see README); without it the node has no peers")
	interval := fl.Duration("sync-interval", 30*time.Second, "how often to follow the peers' feeds")
	testdata := fl.String("testdata", "testdata", "directory with seed/ and rules/")
	level := fl.String("log-level", "info", "debug, info, warn or error")
	disableAfter := fl.Duration("webhook-disable-after", webhook.DefaultDisableAfter, "disable a webhook subscription that has failed for this long")
	if err := parse(fl, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	var trust *federation.Trust
	if *fedFile != "" {
		if trust, err = federation.LoadTrust(*fedFile); err != nil {
			return fmt.Errorf("--federation: %w", err)
		}
	}
	var fed *federation.Federation
	partyKeys := func(j registry.Jurisdiction) (*jose.KeySet, bool) {
		if fed == nil {
			return nil, false
		}
		return fed.KeySet(j)
	}
	waker := &webhook.Waker{}
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: registry.Jurisdiction(*jur), Data: *dir, Seed: *seed, TestData: *testdata, Logger: log, PartyKeys: partyKeys, Waker: waker})
	if err != nil {
		return err
	}
	defer db.Close()
	if fed, err = federation.New(federation.Config{Node: n, Trust: trust, Interval: *interval}); err != nil {
		return err
	}
	wh, err := openWebhooks(n, fed, *dir, *disableAfter, log)
	if err != nil {
		return err
	}
	waker.Set(wh)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	h := handler(n, fed, log, wh)
	go fed.Run(ctx)
	whDone := make(chan struct{})
	go func() { defer close(whDone); wh.Run(ctx) }()
	defer func() { <-whDone; wh.Close() }()
	log.Info("corfed node listening", "jurisdiction", n.Jurisdiction(), "addr", "http://"+ln.Addr().String(), "data", *dir)
	fmt.Fprintf(stdout, "node %s http://%s\n", n.Jurisdiction(), ln.Addr())
	return serveUntil(ctx, ln, h, log)
}

// handler is a node's whole HTTP surface: records, the federation's
// peers, the cross-jurisdiction lookups and (wh not nil) the webhook
// subscriptions, with the webhook key in the JWKS.
func handler(n *node.Node, fed *federation.Federation, log *slog.Logger, wh *webhook.Service) http.Handler {
	cfg := openapi.Config{Node: n, Logger: log,
		Extra: []openapi.Extension{openapi.PeerOps(fed), openapi.LookupOps(federation.NewLookups(fed))}}
	if wh != nil {
		cfg.Extra = append(cfg.Extra, openapi.SubscriptionOps(wh))
		jwk, _ := json.Marshal(wh.Key().JWK())
		cfg.ExtraJWKs = []json.RawMessage{jwk}
	}
	return openapi.New(cfg)
}

// openWebhooks opens the node's outbox (DATA/outbox.db) with its webhook
// key (DATA/webhook-key.json, made on first start).
func openWebhooks(n *node.Node, fed *federation.Federation, dir string, disableAfter time.Duration, log *slog.Logger) (*webhook.Service, error) {
	key, err := webhook.LoadOrCreateKey(dir)
	if err != nil {
		return nil, err
	}
	return webhook.Open(webhook.Config{Node: n, Federation: fed, Key: key, Dir: dir, DisableAfter: disableAfter,
		OnError: func(err error) { log.Warn("webhooks", "err", err) }})
}

// serveUntil serves h on ln until ctx ends, then shuts down gracefully.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, errUsage)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
