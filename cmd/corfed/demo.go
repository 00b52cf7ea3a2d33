package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/webhook"
)

func init() {
	extraCommands["demo"] = runDemo
	extraCommands["verify"] = runVerify
}

// demoNode is one member of the demo federation.
type demoNode struct {
	j   registry.Jurisdiction
	n   *node.Node
	fed *federation.Federation
	ln  net.Listener
	url string
	svc *service.Service // the measurement model (demo_metrics.go)
	// The webhook outbox (demo_webhooks.go), woken by every committed write.
	wh    *webhook.Service
	waker *webhook.Waker
}

// example is a lookup the demo shows.
type example struct {
	what string
	q    equivalence.Question
	ask  registry.Jurisdiction // the node asked
}

func demoExamples(today registry.Date) []example {
	return []example{
		{"Prairie Steel's Alberta COR, bidding in BC", equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: today}, "CA-BC"},
		{"Prairie Steel's Alberta COR, working in BC", equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "work", On: today}, "CA-BC"},
		{"Béton Boréal (Alberta COR, active WorkSafeBC account), bidding in BC", equivalence.Question{BN: "723456786", Host: "CA-BC", Sector: "construction", Use: "bid", On: today}, "CA-ON"},
		{"Chinook Electrical's Alberta SECOR, bidding in Manitoba", equivalence.Question{BN: "864201355", Host: "CA-MB", Sector: "construction", Use: "bid", On: today}, "CA-MB"},
		{"Red River Mechanical's Manitoba COR, working in Alberta", equivalence.Question{BN: "855667788", Host: "CA-AB", Sector: "construction", Use: "work", On: today}, "CA-AB"},
		{"North Bay Précision's ISO 45001, in Ontario", equivalence.Question{BN: "888990017", Host: "CA-ON", Use: "work", On: today}, "CA-ON"},
		{"Aspen Ridge Roofing in Saskatchewan on 2026-04-01 (its COR was suspended then)", equivalence.Question{BN: "700112238", Host: "CA-SK", Sector: "construction", Use: "work", On: registry.MustDate("2026-04-01")}, "CA-SK"},
	}
}

func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("demo", stderr)
	dir := fl.String("data", "./corfed-demo", "directory for the nodes' data (one sub-directory per jurisdiction) and the federation file")
	list := fl.String("jurisdictions", strings.Join(jurisdictionStrings(registry.Jurisdictions), ","), "comma-separated members (the example lookups need every party of the CFCSA agreement: the default list)")
	testdata := fl.String("testdata", "testdata", "directory with seed/ and rules/")
	level := fl.String("log-level", "warn", "debug, info, warn or error")
	once := fl.Bool("once", false, "print the nodes and lookups, then exit instead of serving")
	if err := parse(fl, args); err != nil {
		return err
	}
	ensureProcs() // its nodes group-commit as serve's do (serve.go)
	log, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	var js []registry.Jurisdiction
	for _, s := range strings.Split(*list, ",") {
		j, err := registry.ParseJurisdiction(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("--jurisdictions: %w", err)
		}
		js = append(js, j)
	}
	nodes, err := startDemo(ctx, *dir, *testdata, js, log)
	if err != nil {
		return err
	}
	defer func() {
		for _, d := range nodes {
			d.n.Close()
		}
	}()
	for _, d := range nodes {
		fmt.Fprintf(stdout, "node %s %s\n", d.j, d.url)
	}
	fedPath, _ := filepath.Abs(filepath.Join(*dir, "federation.json"))
	fmt.Fprintf(stdout, "federation %s\n", fedPath)

	byJ := map[registry.Jurisdiction]*demoNode{}
	for _, d := range nodes {
		byJ[d.j] = d
	}
	stopWebhooks, err := startDemoWebhooks(ctx, *dir, nodes, log)
	if err != nil {
		return err
	}
	defer stopWebhooks()
	// Serve first, then follow every feed once before answering.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, len(nodes))
	for _, d := range nodes {
		extra, closeSnapshots, err := demoMeasure(*dir, d)
		if err != nil {
			return err
		}
		defer closeSnapshots()
		go func(d *demoNode) {
			errc <- serveUntil(sctx, d.ln, handler(d.n, d.fed, log, edgeOptions{AccessLogLevel: slog.LevelDebug, BaseURL: d.url, Extra: extra, Webhooks: d.wh}), log)
		}(d)
	}
	var wg sync.WaitGroup
	for _, d := range nodes {
		wg.Add(1)
		go func(d *demoNode) { defer wg.Done(); syncUntilDone(ctx, d.fed) }(d)
	}
	wg.Wait()
	for _, d := range nodes {
		for _, p := range mustPeers(ctx, d.fed) {
			if p.LastError != "" {
				fmt.Fprintf(stdout, "sync %s <- %s: %s\n", d.j, p.Jurisdiction, p.LastError)
			}
		}
	}
	trust, err := federation.LoadTrust(fedPath)
	if err != nil {
		return err
	}
	today := node.TodayIn("CA-AB", time.Now())
	for _, ex := range demoExamples(today) {
		d, ok := byJ[ex.ask]
		if !ok {
			continue
		}
		a, err := federation.NewLookups(d.fed).Recognize(ctx, ex.q)
		if err != nil {
			fmt.Fprintf(stdout, "lookup %s: error: %v\n", ex.what, err)
			continue
		}
		verdict := "proof verifies offline"
		if _, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), time.Now()); err != nil {
			verdict = "PROOF DOES NOT VERIFY: " + err.Error()
		}
		dec := a.Decision
		codes := make([]string, len(dec.Reasons))
		for i, r := range dec.Reasons {
			codes[i] = r.Code
		}
		fmt.Fprintf(stdout, "lookup %s (asked %s): %s", ex.what, ex.ask, dec.Outcome)
		if dec.Basis != "" {
			fmt.Fprintf(stdout, " via %s, valid %s to %s", dec.Basis, dec.ValidFrom, dec.ValidUntil)
		}
		fmt.Fprintf(stdout, " [%s]; %s\n", strings.Join(codes, ", "), verdict)
		why := dec.Reasons[0].Text
		if dec.Outcome == equivalence.NotRecognized && len(dec.Reasons) > 1 {
			why = dec.Reasons[1].Text
		}
		fmt.Fprintf(stdout, "  why: %s\n", why)
		fmt.Fprintf(stdout, "  curl '%s/v1/recognition?bn=%s&host=%s&sector=%s&use=%s&on=%s'\n", d.url, ex.q.BN, ex.q.Host, ex.q.Sector, ex.q.Use, ex.q.On)
	}
	demoProgram(ctx, stdout, byJ, trust, today)
	demoProgramOps(ctx, stdout, byJ) // demo_programops.go
	demoMetrics(ctx, stdout, byJ)
	demoWebhooks(ctx, stdout, byJ) // demo_webhooks.go
	if *once {
		stop()
	} else {
		fmt.Fprintf(stdout, "serving; try corfed verify PROOF --federation %s; Ctrl-C to stop\n", fedPath)
		for _, d := range nodes {
			go d.fed.Run(sctx)
		}
	}
	var first error
	for range nodes {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func mustPeers(ctx context.Context, f *federation.Federation) []federation.PeerStatus {
	ps, _ := f.Peers(ctx)
	return ps
}

func jurisdictionStrings(js []registry.Jurisdiction) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = string(j)
	}
	return out
}

// startDemo opens (or reopens) one node per jurisdiction under dir, each
// on its own loopback port, seeds the empty ones, and writes the federation
// file that pins every node's keys.
func startDemo(ctx context.Context, dir, testdata string, js []registry.Jurisdiction, log *slog.Logger) ([]*demoNode, error) {
	var nodes []*demoNode
	fail := func(err error) ([]*demoNode, error) {
		for _, d := range nodes {
			if d.n != nil {
				d.n.Close()
			}
			d.ln.Close()
		}
		return nil, err
	}
	feds := map[registry.Jurisdiction]*federation.Federation{}
	for _, j := range js {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(err)
		}
		d := &demoNode{j: j, ln: ln, url: "http://" + ln.Addr().String(), waker: &webhook.Waker{}}
		nodes = append(nodes, d)
		partyKeys := func(p registry.Jurisdiction) (*jose.KeySet, bool) {
			if f := feds[j]; f != nil {
				return f.KeySet(p)
			}
			return nil, false
		}
		n, _, err := openNode(ctx, nodeOptions{Jurisdiction: j, Data: filepath.Join(dir, string(j)), Seed: true, TestData: testdata, Logger: log, PartyKeys: partyKeys, Waker: d.waker})
		if err != nil {
			return fail(fmt.Errorf("%s: %w", j, err))
		}
		d.n = n
	}
	members := make([]federation.Member, len(nodes))
	for i, d := range nodes {
		members[i] = federation.Member{Jurisdiction: d.j, URL: d.url, Keys: d.n.PublicKeys()}
	}
	b, err := federation.MarshalTrust("corfed-demo", members)
	if err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, "federation.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fail(err)
	}
	trust, err := federation.ParseTrust(b)
	if err != nil {
		return fail(err)
	}
	for _, d := range nodes {
		// The peers are on loopback: a slow answer means a busy machine
		// (every node syncs every other at once), not a dead peer.
		f, err := federation.New(federation.Config{Node: d.n, Trust: trust, Interval: 10 * time.Second, PeerTimeout: demoPeerTimeout})
		if err != nil {
			return fail(err)
		}
		d.fed, feds[d.j] = f, f
	}
	return nodes, nil
}

// demoPeerTimeout bounds one request to a demo peer. The peers are on
// loopback: it is a failure guard for a stuck peer, long enough that a
// busy machine (a dozen nodes syncing each other at once under -race)
// never trips it, so the demo's output does not depend on timing.
const demoPeerTimeout = 2 * time.Minute

// syncUntilDone syncs every peer, then again those whose sync failed, a
// bounded number of rounds: on a loaded machine the first round of a dozen
// nodes syncing each other at once may time out, which is no failure of
// the demo's federation.
func syncUntilDone(ctx context.Context, f *federation.Federation) {
	f.SyncAll(ctx)
	for range 4 {
		failed := false
		for _, p := range mustPeers(ctx, f) {
			if p.LastError != "" && ctx.Err() == nil {
				failed = true
				_, _ = f.Sync(ctx, p.Jurisdiction)
			}
		}
		if !failed {
			return
		}
	}
}

func runVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("verify", stderr)
	fedFile := fl.String("federation", "", "the federation file whose pinned keys the proof must verify against (required)")
	langFlag := fl.String("lang", "en", "the language of what a proof says: en or fr (its reasons and conditions are re-derived in it)")
	pf := passFlags(fl)
	// The proof may come before or after the flags.
	var proofArg string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-" || !strings.HasPrefix(a, "-"):
			if proofArg != "" {
				return usagef("give one proof or pass: quote a pass (COR1:..., it holds spaces), or give - and pipe it in")
			}
			proofArg = a
		default:
			rest = append(rest, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && (a == "--federation" || a == "-federation" || a == "--status-cache" || a == "-status-cache" || a == "--lang" || a == "-lang") {
				rest = append(rest, args[i+1])
				i++
			}
		}
	}
	if err := parse(fl, rest); err != nil {
		return err
	}
	lang, ok := equivalence.ParseLang(*langFlag)
	if !ok {
		return usagef("--lang %q: want en or fr", *langFlag)
	}
	if proofArg == "" {
		return usagef("PROOF is required: a recognition proof, a COR pass (COR1:...), or - to read it from stdin")
	}
	if err := required("federation", *fedFile, "the federation file whose pinned keys the proof must verify against"); err != nil {
		return err
	}
	token := proofArg
	if proofArg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 2<<20))
		if err != nil {
			return err
		}
		token = strings.TrimPrefix(string(b), "\ufeff") // a byte order mark some editors write
	}
	trust, err := federation.LoadTrust(*fedFile)
	if err != nil {
		return err
	}
	if isPass(token) {
		return verifyPass(ctx, token, trust, pf, stdout)
	}
	c, err := federation.VerifyProofIn(token, federation.TrustKeys(trust), time.Now(), lang)
	if err != nil {
		why := err.Error()
		var pe *federation.ProofError
		if errors.As(err, &pe) {
			why = pe.Text(lang)
		}
		var kn *federation.KeyNotHeldError
		if errors.As(err, &kn) {
			// A key of a listed member that the file does not pin: most
			// likely one it rotated to after the file was issued. The file
			// cannot tell that from a forgery, so: exit 4, as for a pass.
			return &exitError{code: 4, err: fmt.Errorf(say(lang,
				"proof could not be checked: your federation file does not hold key %q of %s (the member may have rotated its keys since the file was issued); get the current federation file: %s",
				"la preuve n'a pas pu être vérifiée : votre fichier de fédération ne contient pas la clé %q de %s (ce membre a peut-être changé de clés depuis l'émission du fichier) ; procurez-vous le fichier de fédération à jour : %s"),
				kn.KID, kn.Member, why)}
		}
		does := say(lang, "proof does not hold: ", "la preuve ne tient pas : ")
		if pe != nil {
			return errors.New(does + why)
		}
		return fmt.Errorf("%s%w", does, err)
	}
	printProof(stdout, c, lang)
	return nil
}

// say is en, or fr when lang is French.
func say(lang equivalence.Lang, en, fr string) string {
	if lang == equivalence.French {
		return fr
	}
	return en
}

// printProof writes what a proof that holds says: who signed it and when,
// the question (sector included: recognition is sector-specific), the
// decision, its reasons and the conditions left to confirm, a projection when the date
// asked is after the day it was signed, and, for each member whose records
// it cites, how old the answering node's copy was when it signed.
//
// In French (lang) the sentences around the codes, ids and dates are
// French, and the reasons' and conditions' texts are the engine's French
// ones (c's, as VerifyProofIn re-derived them in lang).
func printProof(w io.Writer, c federation.ProofClaims, lang equivalence.Lang) {
	d, q := c.Decision, c.Question
	iat := time.Unix(c.Iat, 0).UTC()
	fr := lang == equivalence.French
	sector := say(lang, "any sector", "tout secteur")
	if q.Sector != "" {
		sector = say(lang, "sector ", "secteur ") + q.Sector
	}
	if fr {
		fmt.Fprintf(w, "la preuve tient : signée par %s le %s ; employeur %s %s (%s), %s, pour %s (%s) le %s : %s (%s)", c.Iss, iat.Format(time.RFC3339),
			q.BN, equivalence.JurisdictionIn(q.Host, lang), q.Host, sector, equivalence.UseText(q.Use, lang), q.Use, q.On, equivalence.OutcomeText(d.Outcome, lang), d.Outcome)
	} else {
		fmt.Fprintf(w, "proof holds: signed by %s at %s; employer %s in %s, %s, for %s on %s: %s", c.Iss, iat.Format(time.RFC3339), q.BN, q.Host, sector, q.Use, q.On, d.Outcome)
	}
	if d.Basis != "" {
		if fr {
			fmt.Fprintf(w, " par %s (%s), valide du %s au %s", equivalence.BasisText(d.Basis, lang), d.Basis, d.ValidFrom, d.ValidUntil)
		} else {
			fmt.Fprintf(w, " via %s, valid %s to %s", d.Basis, d.ValidFrom, d.ValidUntil)
		}
	}
	if len(c.Evidence) == 1 {
		fmt.Fprintf(w, say(lang, "; 1 evidence record verified against pinned keys, the decision re-derived from it; expires %s\n",
			" ; 1 pièce justificative vérifiée avec les clés épinglées, la décision redérivée à partir d'elle ; expire le %s\n"),
			time.Unix(c.Exp, 0).UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, say(lang, "; %d evidence records verified against pinned keys, the decision re-derived from them; expires %s\n",
			" ; %d pièces justificatives vérifiées avec les clés épinglées, la décision redérivée à partir d'elles ; expire le %s\n"),
			len(c.Evidence), time.Unix(c.Exp, 0).UTC().Format(time.RFC3339))
	}
	// The reasons' and conditions' texts are the ones the decision
	// re-derived from the evidence gives (VerifyProof), not the signed ones.
	for _, r := range d.Reasons {
		if r.Code != equivalence.ReasonProjection { // the projection line says it
			fmt.Fprintf(w, say(lang, "  reason: %s: %s\n", "  motif : %s : %s\n"), r.Code, r.Text)
		}
	}
	for _, cd := range d.Conditions {
		if !cd.Met {
			fmt.Fprintf(w, say(lang, "  condition to confirm: %s: %s\n", "  condition à confirmer : %s : %s\n"), cd.Code, cd.Text)
		}
	}
	if signed := node.TodayIn(q.Host, iat); q.On.After(signed) {
		fmt.Fprintf(w, say(lang, "  projection: %s is after the day it was signed (%s in %s); decided from that day's records, which cannot show a later suspension or revocation\n",
			"  projection : le %s est postérieur au jour de la signature (%s en %s) ; décidé d'après les dossiers de ce jour-là, qui ne peuvent montrer une suspension ou une révocation ultérieure\n"),
			q.On, signed, q.Host)
	}
	seen := map[registry.Jurisdiction]bool{}
	for _, ref := range d.Evidence {
		if seen[ref.Iss] {
			continue
		}
		seen[ref.Iss] = true
		fmt.Fprintf(w, say(lang, "  data of %s: %s\n", "  données de %s : %s\n"), ref.Iss, dataAge(c, ref.Iss, lang))
	}
}

// dataAge says how old the answering node's copy of member j's log was
// when it signed proof c, from the freshness it signed.
func dataAge(c federation.ProofClaims, j registry.Jurisdiction, lang equivalence.Lang) string {
	if c.Freshness == nil {
		return say(lang, "age not signed (a proof made before freshness was signed in)",
			"âge non signé (une preuve faite avant que la fraîcheur n'y soit signée)")
	}
	for _, f := range c.Freshness {
		if f.Jurisdiction != j {
			continue
		}
		if f.Self {
			return fmt.Sprintf(say(lang, "the answering node's own log (%d entries)", "le journal du nœud qui répond lui-même (%d entrées)"), f.Seq)
		}
		if f.LastSuccess.IsZero() {
			return fmt.Sprintf(say(lang, "never synced (%d entries held); NOT CONFIRMED", "jamais synchronisé (%d entrées détenues) ; NON CONFIRMÉ"), f.Seq)
		}
		s := fmt.Sprintf(say(lang, "synced %s before signing (%d entries held, last sync %s)", "synchronisé %s avant la signature (%d entrées détenues, dernière synchronisation %s)"),
			time.Duration(f.AgeSeconds)*time.Second, f.Seq, f.LastSuccess.UTC().Format(time.RFC3339))
		if f.LastError != "" {
			s += say(lang, "; the last sync FAILED: ", " ; la dernière synchronisation a ÉCHOUÉ : ") + f.LastError
		}
		return s
	}
	return say(lang, "not in the signed freshness", "absent de la fraîcheur signée")
}
