package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/web"
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
	// Metrics receive the node's group-commit observations (optional).
	Metrics     *openapi.Metrics
	MaxTokenTTL time.Duration
	Revoked     func(jti string) bool
	// Waker, if set, hears every committed write (the webhook outbox).
	Waker *webhook.Waker
	// BeforeWrites, if set, runs once the node is open and before it
	// writes anything to its feed (the announcement of a key the feed
	// lacks, the seed): serve asks the peers there whether the store is
	// older than what the node published (checkOwnLogAtPeers).
	BeforeWrites func(context.Context, *node.Node) error
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
	cfg := node.Config{Jurisdiction: o.Jurisdiction, Now: o.Now, PartyKeys: o.PartyKeys, MaxTokenTTL: o.MaxTokenTTL, Revoked: o.Revoked,
		OnWrite: openapi.AuditWrite(o.Logger), DeferKeyAnnouncement: true}
	if o.Metrics != nil {
		cfg.OnCommit = o.Metrics.ObserveCommit
	}
	var store registry.Store = db.Store()
	if o.Waker != nil {
		store = webhook.NotifyingStore(store, o.Waker.Wake)
	}
	n, err := node.New(ctx, cfg, store, ring)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if o.BeforeWrites != nil {
		if err := o.BeforeWrites(ctx, n); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	if err := n.AnnounceKeys(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := writeNodeInfo(o.Data, nodeInfo{Jurisdiction: o.Jurisdiction}); err != nil {
		db.Close()
		return nil, nil, err
	}
	if v, err := n.StoreIndexKeys(ctx); err != nil {
		db.Close()
		return nil, nil, err
	} else if v < node.IndexKeysVersion {
		o.Logger.Warn("the store's index keys predate this build's: records written before are not found by the newer keys "+
			"(searches and bulk match miss names holding \"and\" or \"et\") until corfed reindex has run (stop the node first)",
			"store", v, "build", node.IndexKeysVersion, "data", o.Data)
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
	c, err := seedProgram(ctx, n, o) // programops.go
	if err != nil {
		return err
	}
	count += c
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
	var egress webhook.Egress
	fl.BoolVar(&egress.AllowPrivate, "webhook-allow-private", false, "let webhook subscriptions name and deliveries dial any address, loopback and private networks included (default: public addresses only)")
	allowCIDRs := fl.String("webhook-allow", "", "comma-separated CIDRs webhooks may go to although they are not public (e.g. 10.20.0.0/16,fd00:1::/64)")
	keyWatch := fl.Duration("key-watch", 2*time.Second, "how often to look at keys.json and reload it when it changed (as on SIGHUP); 0: SIGHUP only")
	lifecycleEvery := fl.Duration("lifecycle-interval", 24*time.Hour, "how often the lifecycle job applies the program rules (missed maintenance, term end, removal proposals); 0 disables it")
	var to tileOptions
	fl.StringVar(&to.Dest, "tiles", "", "publish the feed as C2SP tlog-tiles to this directory or gocloud.dev/blob URL (file://, s3://...?endpoint=, gs://, azblob://) after each commit")
	fl.Uint64Var(&to.SnapshotEvery, "snapshot-every", 0, "with --tiles: write snapshot/<size>.jsonl.gz every this many entries (0: never)")
	fl.Uint64Var(&to.DeltaEvery, "delta-every", 0, "with --tiles: write delta/<from>-<to>.jsonl.gz every this many entries (0: never)")
	accessLevel := fl.String("access-log-level", "info", "level of the access log's lines (debug, info, warn or error); below --log-level they are not written")
	origins := fl.String("cors-origins", "*", "comma-separated origins whose pages may read the public API (GET and HEAD only, never writes), or * for any; empty for none")
	publicURL := fl.String("public-url", "", "the node's public base URL, written into passes (their status list URL); default: its URL in the federation file, else http://ADDR")
	maxTTL := fl.Duration("max-token-ttl", node.DefaultMaxTokenTTL, "refuse bearer tokens whose lifetime (exp - iat) exceeds this, whoever signed them")
	minPY := fl.Float64("min-person-years", measure.DefaultMinimum.PersonYears, "OHS metrics: suppress a group with fewer person-years")
	minEmp := fl.Int("min-employers", measure.DefaultMinimum.Employers, "OHS metrics: suppress a group with fewer employers")
	var gc gcOptions
	gc.flags(fl)
	if err := parse(fl, args); err != nil {
		return err
	}
	if err := gc.apply(); err != nil {
		return err
	}
	procs := ensureProcs()
	if err := required("jurisdiction", *jur, "the node's jurisdiction, an ISO 3166-2:CA code such as CA-AB"); err != nil {
		return err
	}
	if !registry.Jurisdiction(*jur).Valid() {
		return usagef("--jurisdiction %q is not an ISO 3166-2:CA code (CA-AB, CA-BC, ...)", *jur)
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	if now := runtime.GOMAXPROCS(0); now != procs {
		log.Info("GOMAXPROCS raised: the group commit's fsync holds one P while the network needs another", "from", procs, "to", now)
	}
	var accessLogLevel slog.Level
	if err := accessLogLevel.UnmarshalText([]byte(*accessLevel)); err != nil {
		return usagef("--access-log-level %q: want debug, info, warn or error", *accessLevel)
	}
	if *maxTTL <= 0 {
		return usagef("--max-token-ttl %s: must be positive", *maxTTL)
	}
	for _, c := range splitList(*allowCIDRs) {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return usagef("--webhook-allow %q: want CIDRs such as 10.20.0.0/16", c)
		}
		egress.Allow = append(egress.Allow, p.Masked())
	}
	// Bind first: a node that cannot listen must not touch its data
	// directory (create it, write its key, seed it). From then on every
	// request is answered: 503 "starting" until the API is built
	// (openapi.StartGate), rather than left waiting in the listen queue.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	gate := &openapi.StartGate{}
	srv, served := startServer(ln, gate, log)
	defer srv.Close() // a start that fails; after a shutdown, a no-op
	log.Info("corfed node starting", "jurisdiction", *jur, "addr", "http://"+ln.Addr().String(), "data", *dir)
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
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	revoked, err := newRevocations(*dir)
	if err != nil {
		return err
	}
	metrics := openapi.NewMetrics()
	waker := &webhook.Waker{}
	// The key watch compares keys.json with what it was before the node
	// loaded it: a rotation between the load and the watch's first look is
	// then seen (a change before the load only costs one needless reload).
	keysAtLoad := statOf(filepath.Join(*dir, keysFile))
	webhookKeysAtLoad := statOf(filepath.Join(*dir, webhook.KeyFile))
	// The tiles' destination is checked before the node writes anything
	// too (Publisher.Resume); the publisher starts once it has.
	var publishTiles func() func()
	var tilesReady []openapi.ReadyCheck
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: registry.Jurisdiction(*jur), Data: *dir, Seed: *seed, TestData: *testdata, Logger: log,
		PartyKeys: partyKeys, Metrics: metrics, MaxTokenTTL: *maxTTL, Revoked: revoked.Revoked, Waker: waker,
		BeforeWrites: func(ctx context.Context, n *node.Node) error {
			// Before the node writes anything: a store older than what the
			// peers hold of the node's log must not sign over it (nor
			// announce a key, nor seed an empty store).
			var err error
			if fed, err = federation.New(federation.Config{Node: n, Trust: trust, Interval: *interval, OnEvent: openapi.AuditFederation(log)}); err != nil {
				return err
			}
			if err := checkOwnLogAtPeers(ctx, n, fed, *dir, log); err != nil {
				return err
			}
			publishTiles, tilesReady, err = startTiles(ctx, n, to, log)
			return err
		}})
	if err != nil {
		return err
	}
	defer db.Close()
	defer publishTiles()()
	if keysAtLoad == (fileStat{}) {
		// There was no keys.json: the node created it, and what it wrote
		// is what it loaded (else the first look would report a change).
		keysAtLoad = statOf(filepath.Join(*dir, keysFile))
	}
	wh, err := openWebhooks(n, fed, *dir, *disableAfter, egress, log)
	if err != nil {
		return err
	}
	if webhookKeysAtLoad == (fileStat{}) {
		webhookKeysAtLoad = statOf(filepath.Join(*dir, webhook.KeyFile)) // made by openWebhooks
	}
	waker.Set(wh)
	// The outbox runs until serve returns, whether it was told to stop or
	// failed to start after this (a --tiles destination that cannot be
	// opened, an address in use): the deferred wait must not wait for a
	// signal that never comes.
	whCtx, stopWebhooks := context.WithCancel(ctx)
	whDone := make(chan struct{})
	go func() { defer close(whDone); wh.Run(whCtx) }()
	defer func() { stopWebhooks(); <-whDone; wh.Close() }()
	base := *publicURL
	if base == "" && trust != nil {
		if m, ok := trust.Member(n.Jurisdiction()); ok {
			base = m.URL
		}
	}
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	ops, _, closeSnapshots, err := measureOps(*dir, service.Config{Node: n, Federation: fed,
		Minimum: measure.Minimum{PersonYears: *minPY, Employers: *minEmp}}, false)
	if err != nil {
		return err
	}
	defer closeSnapshots()
	// The lists' workers end, and save their lists' state, before the
	// store closes: a restart then reads back what they held at the stop.
	warm, stopWorkers := context.WithCancel(ctx)
	var workers sync.WaitGroup
	defer func() { stopWorkers(); workers.Wait() }()
	h := handler(n, fed, log, edgeOptions{Metrics: metrics, AccessLogLevel: accessLogLevel, AllowedOrigins: splitList(*origins),
		Extra: []openapi.Extension{ops}, BaseURL: base, Webhooks: wh, Warm: warm, Workers: &workers, Ready: tilesReady})
	go fed.Run(ctx)
	go runLifecycleEvery(ctx, n, *lifecycleEvery, log) // programops.go
	go reloadOnHangup(ctx, n, wh, *dir, revoked, log, *keyWatch, keysAtLoad, webhookKeysAtLoad)
	gate.Open(h)
	size, _ := n.Size(ctx)
	kid := ""
	if k := n.ActiveKey(); k != nil {
		kid = k.KID
	}
	log.Info("corfed node listening", "jurisdiction", n.Jurisdiction(), "addr", "http://"+ln.Addr().String(), "data", *dir,
		"feed_entries", size, "kid", kid)
	fmt.Fprintf(stdout, "node %s http://%s\n", n.Jurisdiction(), ln.Addr())
	return waitUntil(ctx, srv, served, log)
}

// handler is a node's whole HTTP surface: records, the federation's
// peers, the cross-jurisdiction lookups, passes, and the public pages
// (package web) in front of them.
func handler(n *node.Node, fed *federation.Federation, log *slog.Logger, o edgeOptions) http.Handler {
	l := federation.NewLookups(fed)
	ps := federation.NewPasses(l, federation.PassConfig{BaseURL: o.BaseURL, Background: o.Warm != nil})
	if o.Warm != nil {
		workers := o.Workers
		if workers == nil {
			workers = &sync.WaitGroup{}
		}
		workers.Go(func() { warmStatusList(o.Warm, ps, log) })
		// Built from the start (or read back from its saved state), then
		// followed after each commit: no request waits while every live
		// certificate is read (a 503 with Retry-After until it is ready).
		done := n.KeepMaintenanceList(o.Warm, func(err error) { log.Warn("maintenance list", "err", err) })
		workers.Go(func() { <-done })
	}
	cfg := openapi.Config{Node: n, Logger: log, Metrics: o.Metrics, AccessLogLevel: o.AccessLogLevel, AllowedOrigins: o.AllowedOrigins,
		Ready: append([]openapi.ReadyCheck{{Name: "federation", Check: func(ctx context.Context) error {
			if _, err := fed.Peers(ctx); err != nil {
				return &openapi.NotReady{Err: err, Reason: "the federation is not loaded", ReasonFR: "la fédération n'est pas chargée"}
			}
			return nil
		}}}, o.Ready...),
		Extra: append([]openapi.Extension{openapi.PeerOps(fed), openapi.LookupOps(l), openapi.PassOps(ps)}, o.Extra...)}
	if o.Webhooks != nil {
		cfg.Extra = append(cfg.Extra, openapi.SubscriptionOps(o.Webhooks))
		cfg.ExtraJWKs = o.Webhooks.JWKs
	}
	return web.New(web.Config{Node: n, Lookups: l, Passes: ps, Logger: log}).Handler(openapi.New(cfg))
}

// openWebhooks opens the node's outbox (DATA/outbox.db) with its webhook
// keys (DATA/webhook-key.json, made on first start; `corfed webhook-key
// rotate` replaces them).
func openWebhooks(n *node.Node, fed *federation.Federation, dir string, disableAfter time.Duration, egress webhook.Egress, log *slog.Logger) (*webhook.Service, error) {
	keys, err := webhook.LoadKeys(dir)
	if err != nil {
		return nil, err
	}
	return webhook.Open(webhook.Config{Node: n, Federation: fed, Keys: keys, Dir: dir, DisableAfter: disableAfter, Egress: egress,
		OnError: func(err error) { log.Warn("webhooks", "err", err) }})
}

// edgeOptions are the HTTP edge's settings from the command line.
type edgeOptions struct {
	Metrics        *openapi.Metrics
	AccessLogLevel slog.Level
	AllowedOrigins []string
	// Ready lists more conditions of GET /readyz (the tiles publisher's).
	Ready []openapi.ReadyCheck
	// BaseURL is the node's public URL; passes carry its status list URL.
	BaseURL string
	// Extra are more operations (the measurement model's).
	Extra []openapi.Extension
	// Webhooks, if set, serves the subscriptions and publishes the
	// webhook key in the JWKS.
	Webhooks *webhook.Service
	// Warm, if set, keeps the status list current in the background until
	// it ends (warmStatusList), and the maintenance list
	// (node.KeepMaintenanceList).
	Warm context.Context
	// Workers, if set, counts those background workers until they have
	// returned, each after saving its list's state once Warm ended, so
	// that the caller closes the store after them.
	Workers *sync.WaitGroup
}

// warmStatusList builds the node's status list from the node's start,
// off the request path (requests before it is built get a 503 problem
// with Retry-After, not a wait while every certificate is read: 21 CPU-s
// at 500,000 certificates), then keeps it signed and current every
// minute, until ctx ends. Once built it reads only what changed: the
// entries appended since, and on a new day the certificates whose status
// changes that day (federation.Passes.StatusList).
func warmStatusList(ctx context.Context, ps *federation.Passes, log *slog.Logger) {
	ps.Keep(ctx, time.Minute, func(err error) { log.Warn("status list", "err", err) })
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// reloadOnHangup rereads the keyring and the revoked tokens on SIGHUP,
// and the keyring also when keys.json changes (its modification time or
// size, looked at every watch; 0: SIGHUP only): after `corfed keygen
// --rotate`, the running node signs with the new key, announces it, and
// stops authenticating tokens of the retired one, without a restart or a
// signal. A keyring that does not load (a file half written by another
// tool) is logged and tried again at the next look; the node keeps its
// keys meanwhile.
//
// The webhook keys (webhook-key.json) are reread the same way, after
// `corfed webhook-key rotate`: the outbox then signs with the new key (and
// the old one for the overlap) and the JWKS publishes both.
//
// loaded is keys.json as it was just before the node loaded it;
// whLoaded, webhook-key.json.
func reloadOnHangup(ctx context.Context, n *node.Node, wh *webhook.Service, dir string, revoked *revocations, log *slog.Logger, watch time.Duration, loaded, whLoaded fileStat) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	path := filepath.Join(dir, keysFile)
	whPath := filepath.Join(dir, webhook.KeyFile)
	reloadWebhookKeys := func(why string) {
		now := statOf(whPath)
		ks, err := webhook.ReadKeys(dir)
		if err != nil {
			log.Error(why+": webhook keys not reloaded", "err", err)
			return
		}
		wh.SetKeys(ks)
		whLoaded = now
		var signing []string
		for _, k := range wh.SigningKeys() {
			signing = append(signing, k.KID)
		}
		log.Info(why+": webhook keys reloaded", "active_kid", ks.Active().KID, "signing", strings.Join(signing, " "))
	}
	var tick <-chan time.Time
	if watch > 0 {
		t := time.NewTicker(watch)
		defer t.Stop()
		tick = t.C
	}
	for {
		why := "SIGHUP"
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if wh != nil {
				reloadWebhookKeys(why)
			}
		case <-tick:
			if wh != nil && !statOf(whPath).same(whLoaded) {
				reloadWebhookKeys(webhook.KeyFile + " changed")
			}
			if statOf(path).same(loaded) {
				continue
			}
			why = "keys.json changed"
		}
		now := statOf(path)
		if err := reloadKeys(ctx, n, dir); err != nil {
			log.Error(why+": keys not reloaded", "err", err)
		} else {
			loaded = now
			log.Info(why+": keys reloaded", "active_kid", n.ActiveKey().KID)
		}
		if err := revoked.reload(); err != nil {
			log.Error(why+": revoked tokens not reloaded", "err", err)
		}
	}
}

// fileStat is what the key watch compares: a file's modification time
// and size (zero when it cannot be read).
type fileStat struct {
	mod  time.Time
	size int64
}

func (a fileStat) same(b fileStat) bool { return a.mod.Equal(b.mod) && a.size == b.size }

func statOf(path string) fileStat {
	st, err := os.Stat(path)
	if err != nil {
		return fileStat{}
	}
	return fileStat{st.ModTime(), st.Size()}
}

func reloadKeys(ctx context.Context, n *node.Node, dir string) error {
	ring, err := jose.LoadKeyring(filepath.Join(dir, keysFile))
	if err != nil {
		return err
	}
	return n.SetKeys(ctx, ring)
}

// serveUntil serves h on ln until ctx ends, then shuts down gracefully.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv, errc := startServer(ln, h, log)
	return waitUntil(ctx, srv, errc, log)
}

// startServer serves h on ln; Serve's error arrives on the channel.
func startServer(ln net.Listener, h http.Handler, log *slog.Logger) (*http.Server, <-chan error) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	return srv, errc
}

// waitUntil waits for srv to fail (its error on errc) or ctx to end, and
// then shuts srv down, letting the requests in flight finish.
func waitUntil(ctx context.Context, srv *http.Server, errc <-chan error, log *slog.Logger) error {
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

// The Go GC setting of a node. A node's live heap is small (tens of MB:
// the records are bbolt's memory-mapped file pages, not heap), and every
// request allocates, so with Go's default (GOGC=100) the collector runs
// every few MB of requests: with 64 clients creating, a cycle every ~450
// creates, its mark workers ~7% of the server's CPU (corfed bench
// --cpuprofile; 1.3% at 400). A node therefore lets its heap grow to 5x
// the live heap between collections
// (--gc-percent 400) under a soft limit on all of the runtime's memory
// (--memory-limit 256MiB), beyond which the collector runs as often as it
// must: memory stays bounded whatever the live heap does, and a node idle
// after a burst holds at most about the limit (the idle target is
// 300 MB of anonymous memory; 5x a live heap of 36 MB is already 180 MB).
const (
	defaultGCPercent   = node.DefaultGCPercent
	defaultMemoryLimit = "256MiB" // node.DefaultMemoryLimit (TestServeGCDefaults)
)

// minNodeProcs is the least GOMAXPROCS a node runs with. A group commit
// ends in two fdatasyncs, and the thread in that system call keeps its P
// until the runtime's monitor takes it back; with one P (what Go gives a
// process on one CPU, or in a container limited to one), the connections'
// goroutines wait meanwhile, so the next batch holds only what had
// arrived before. Measured on one CPU (taskset -c 0, corfed bench --only
// create): GOMAXPROCS 1, 1,118 creates/s, p99 358 ms, 3.9 entries per
// commit; GOMAXPROCS 2, 3,481/s, p99 38 ms, 26 per commit.
const minNodeProcs = 2

// ensureProcs raises GOMAXPROCS to minNodeProcs unless the environment
// sets GOMAXPROCS (which wins, as GOGC does). It returns the value before.
// Above the floor nothing is set, so the runtime keeps following the
// container's CPU limit.
func ensureProcs() (was int) {
	was = runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") == "" && was < minNodeProcs {
		runtime.GOMAXPROCS(minNodeProcs)
	}
	return was
}

// gcOptions are the flags of the GC setting. GOGC and GOMEMLIMIT in the
// environment win over them (and over the defaults), as for any Go
// program.
type gcOptions struct {
	percent int
	limit   string
}

func (o *gcOptions) flags(fl *flag.FlagSet) {
	fl.IntVar(&o.percent, "gc-percent", defaultGCPercent, "Go GC: heap growth between collections, in percent of the live heap (GOGC; -1: off); the environment's GOGC wins")
	fl.StringVar(&o.limit, "memory-limit", defaultMemoryLimit, "Go GC: soft limit on the runtime's memory, e.g. 512MiB or 2GiB (GOMEMLIMIT; 0: none); the environment's GOMEMLIMIT wins")
}

// apply sets the GC as the flags say, except what the environment sets.
func (o gcOptions) apply() error {
	limit, err := parseByteSize(o.limit)
	if err != nil {
		return usagef("--memory-limit %q: %v", o.limit, err)
	}
	if o.percent < -1 {
		return usagef("--gc-percent %d: want -1 (off) or more", o.percent)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(o.percent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit == 0 {
			limit = math.MaxInt64
		}
		debug.SetMemoryLimit(limit)
	}
	return nil
}

// parseByteSize reads a size as GOMEMLIMIT writes it: a whole number of
// bytes with an optional B, KiB, MiB, GiB or TiB.
func parseByteSize(s string) (int64, error) {
	num, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			num, unit = rest, u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return 0, errors.New("want a whole number of bytes with an optional B, KiB, MiB, GiB or TiB")
	}
	return n * unit, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
