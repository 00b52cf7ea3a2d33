package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// The program administrator's commands: publish rules and agreements and
// sign, withdraw or show an agreement, against a running node (--url, with
// a token) or, when the node is stopped, its data directory (--data).
//
//	corfed rules publish FILE         [--url URL] [--token T] [--data DIR]
//	corfed agreement propose FILE     [--url URL] [--token T] [--data DIR]
//	corfed agreement sign ID          [--url URL] [--token T] [--data DIR --file FILE]
//	corfed agreement withdraw ID      [--on DATE] [--reason TEXT] [--url URL] [--token T] [--data DIR]
//	corfed agreement show ID          --url URL
//
// FILE is in the format of testdata/rules (see its README): a host rules
// file ({"issuer","rules":[...]}) or an agreement file ({"issuer","terms"}),
// or one bare host-rules or terms object. With --url the token is --token,
// else $CORFED_TOKEN, else an admin token made with the key in --data.

func init() {
	extraCommands["rules"] = runRules
	extraCommands["agreement"] = runAgreement
}

// target is where a program command sends its writes.
type target struct {
	url, token, data string
}

func (t *target) flags(fl *flag.FlagSet) {
	fl.StringVar(&t.url, "url", "", "a running node's base URL (e.g. http://127.0.0.1:8080)")
	fl.StringVar(&t.token, "token", "", "bearer token of the node's program administrator (default $CORFED_TOKEN, or one made with --data's key)")
	fl.StringVar(&t.data, "data", "", "the node's data directory: without --url, write to the stopped node's store directly")
}

// parseArgs parses flags placed before or after the positional arguments.
// Errors are parse's: -h/--help a *helpRequest, a bad flag a usage error.
func parseArgs(fl *flag.FlagSet, args []string) ([]string, error) {
	out := fl.Output()
	fl.SetOutput(io.Discard) // Main prints the error and the usage
	defer fl.SetOutput(out)
	var pos []string
	for {
		err := fl.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return nil, &helpRequest{fl}
		case err != nil:
			return nil, usagef("%v", err)
		}
		if fl.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

// isHelp reports whether arg asks for a command's help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

func (t *target) check() error {
	if t.url == "" && t.data == "" {
		return errors.New("give --url (a running node) or --data (a stopped node's data directory)")
	}
	if t.url != "" && t.token == "" {
		t.token = os.Getenv("CORFED_TOKEN")
	}
	if t.url != "" && t.token == "" {
		if t.data == "" {
			return errors.New("--url needs --token, $CORFED_TOKEN, or --data to make an admin token with the node's key")
		}
		ni, err := readNodeInfo(t.data)
		if err != nil {
			return err
		}
		ring, err := jose.LoadKeyring(filepath.Join(t.data, keysFile))
		if err != nil {
			return fmt.Errorf("reading the node's key: %w", err)
		}
		if t.token, err = node.IssueToken(ring.Active(), ni.Jurisdiction, time.Now(), node.TokenRequest{Role: node.RoleAdmin, TTL: 10 * time.Minute}); err != nil {
			return err
		}
	}
	return nil
}

// do sends one request to the running node and returns the answer's body;
// a problem answer is an error carrying its detail.
func (t *target) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(t.url, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, res.Status, problemText(b))
	}
	return b, nil
}

// problemText is an RFC 9457 problem's detail and errors on one line
// (each error's location, message and value), or b as it is when it is
// not one.
func problemText(b []byte) string {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
			Value    any    `json:"value"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &p) != nil || p.Detail == "" {
		return string(bytes.TrimSpace(b))
	}
	var sb strings.Builder
	sb.WriteString(p.Detail)
	for _, e := range p.Errors {
		sb.WriteString("\n  ")
		if e.Location != "" {
			sb.WriteString(e.Location + ": ")
		}
		sb.WriteString(e.Message)
		if e.Value != nil {
			v, _ := json.Marshal(e.Value)
			fmt.Fprintf(&sb, " (got %s)", v)
		}
	}
	return sb.String()
}

// local opens the stopped node in t.data and runs fn with an admin
// principal.
func (t *target) local(ctx context.Context, fn func(ctx context.Context, n *node.Node, p node.Principal) error) error {
	ni, err := readNodeInfo(t.data)
	if err != nil {
		return fmt.Errorf("%s is not a node's data directory (start the node on it once: corfed serve --jurisdiction CODE --data DIR): %w", t.data, err)
	}
	ring, err := jose.LoadKeyring(filepath.Join(t.data, keysFile))
	if err != nil {
		return fmt.Errorf("reading the node's key: %w", err)
	}
	db, err := boltstore.Open(filepath.Join(t.data, dbFile), boltstore.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%w (is the node running? then use --url)", err)
	}
	defer db.Close()
	n, err := node.New(ctx, node.Config{Jurisdiction: ni.Jurisdiction, Now: time.Now}, db.Store(), ring)
	if err != nil {
		return err
	}
	// The administrator acts: the entries signed say so (by: role admin,
	// no token), as corfed import --data's do, not as the node's own
	// (seeds, key announcements) do.
	p := node.Principal{Subject: "cli:" + os.Getenv("USER"), Role: node.RoleAdmin, Scopes: node.AllScopes}
	return fn(node.WithPrincipal(ctx, p), n, p)
}

// ruleFile is what a FILE holds.
type ruleFile struct {
	hosts []registry.HostRules
	terms *registry.AgreementTerms
}

func readRuleFile(path string) (ruleFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ruleFile{}, err
	}
	return parseRuleFile(path, b)
}

// parseRuleFile decodes what a rules FILE holds (strictly; see
// registry.ParseHostRulesFile and ParseAgreementFile).
func parseRuleFile(path string, b []byte) (ruleFile, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return ruleFile{}, fmt.Errorf("%s: not a JSON object: %w", path, err)
	}
	switch {
	case probe["rules"] != nil:
		rs, err := registry.ParseHostRulesFile(b)
		return ruleFile{hosts: rs}, err
	case probe["terms"] != nil:
		t, _, err := registry.ParseAgreementFile(b)
		return ruleFile{terms: &t}, err
	case probe["parties"] != nil:
		t, _, err := registry.ParseAgreementFile([]byte(`{"issuer":` + string(firstParty(probe["parties"])) + `,"terms":` + string(b) + `}`))
		return ruleFile{terms: &t}, err
	}
	var r registry.HostRules
	if err := strictjson.Decode(b, &r); err != nil {
		return ruleFile{}, fmt.Errorf("%s: neither a rules file, an agreement file, terms nor host rules: %w", path, err)
	}
	if err := r.Validate(); err != nil {
		return ruleFile{}, fmt.Errorf("%s: %w", path, err)
	}
	return ruleFile{hosts: []registry.HostRules{r}}, nil
}

func firstParty(raw json.RawMessage) []byte {
	var ps []string
	if json.Unmarshal(raw, &ps) != nil || len(ps) == 0 {
		return []byte(`""`)
	}
	b, _ := json.Marshal(ps[0])
	return b
}

func printEntry(w io.Writer, verb string, e registry.Entry) {
	fmt.Fprintf(w, "%s %s %s v%d (seq %d, signed by %s)\n", verb, e.Kind, e.ID, e.Ver, e.Seq, e.Iss)
}

func printAnswer(w io.Writer, verb string, b []byte) {
	var r struct {
		Iss  string `json:"iss"`
		Seq  uint64 `json:"seq"`
		Kind string `json:"kind"`
		ID   string `json:"id"`
		Ver  uint64 `json:"ver"`
	}
	if json.Unmarshal(b, &r) == nil && r.Kind != "" {
		fmt.Fprintf(w, "%s %s %s v%d (seq %d, signed by %s)\n", verb, r.Kind, r.ID, r.Ver, r.Seq, r.Iss)
		return
	}
	fmt.Fprintf(w, "%s\n", bytes.TrimSpace(b))
}

func runRules(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, "usage: "+synopses["rules publish"])
		return nil
	}
	if len(args) == 0 || args[0] != "publish" {
		fmt.Fprintln(stderr, "usage: "+synopses["rules publish"])
		return errUsage
	}
	return publishFile(ctx, "rules publish", args[1:], stdout, stderr)
}

func publishFile(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fl := newFlags(name, stderr)
	var t target
	t.flags(fl)
	pos, err := parseArgs(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "usage: %s\n", synopses[name])
		return errUsage
	}
	if err := t.check(); err != nil {
		return err
	}
	rf, err := readRuleFile(pos[0])
	if err != nil {
		return err
	}
	if t.url != "" {
		for _, r := range rf.hosts {
			b, err := t.do(ctx, http.MethodPost, "/v1/rules", r)
			if err != nil {
				return err
			}
			printAnswer(stdout, "published", b)
		}
		if rf.terms != nil {
			b, err := t.do(ctx, http.MethodPost, "/v1/agreements", rf.terms)
			if err != nil {
				return err
			}
			printAnswer(stdout, "proposed", b)
		}
		return nil
	}
	return t.local(ctx, func(ctx context.Context, n *node.Node, p node.Principal) error {
		for _, r := range rf.hosts {
			e, err := n.PublishHostRules(ctx, p, r)
			if err != nil {
				return fmt.Errorf("%s: %w", r.ID, err)
			}
			printEntry(stdout, "published", e)
		}
		if rf.terms != nil {
			e, err := n.ProposeAgreement(ctx, p, *rf.terms)
			if err != nil {
				return err
			}
			printEntry(stdout, "proposed", e)
		}
		return nil
	})
}

// noSubcommand handles a command with subcommands given none, or help:
// it prints the command's synopsis (on stdout for help) and reports done,
// with errUsage when none was given.
func noSubcommand(name string, args []string, stdout, stderr io.Writer) (done bool, err error) {
	usage := "usage: " + synopses[name]
	switch {
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprintln(stdout, usage)
		return true, nil
	case len(args) == 0:
		fmt.Fprintln(stderr, usage)
		return true, errUsage
	}
	return false, nil
}

func runAgreement(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if done, err := noSubcommand("agreement", args, stdout, stderr); done {
		return err
	}
	usage := "usage: " + synopses["agreement"]
	switch args[0] {
	case "propose":
		return publishFile(ctx, "agreement propose", args[1:], stdout, stderr)
	case "sign", "withdraw", "show":
	default:
		return usagef("unknown subcommand %q: propose, sign, withdraw or show", args[0])
	}
	fl := newFlags("agreement "+args[0], stderr)
	var t target
	t.flags(fl)
	file := fl.String("file", "", "sign: the agreement file to sign offline (with --data)")
	on := fl.String("on", "", "withdraw: from when (YYYY-MM-DD; default today)")
	reason := fl.String("reason", "", "withdraw: why")
	pos, err := parseArgs(fl, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	id := pos[0]
	if err := t.check(); err != nil {
		return err
	}
	var date registry.Date
	if *on != "" {
		if date, err = registry.ParseDate(*on); err != nil {
			return usagef("--on: %v", err)
		}
	}
	switch args[0] {
	case "sign":
		if t.url != "" {
			b, err := t.do(ctx, http.MethodPost, "/v1/agreements/"+id+"/sign", nil)
			if err == nil {
				printAnswer(stdout, "signed", b)
			}
			return err
		}
		if *file == "" {
			return errors.New("signing offline (--data) needs --file: the agreement's terms (a running node takes them from the proposer's feed)")
		}
		rf, err := readRuleFile(*file)
		if err != nil {
			return err
		}
		if rf.terms == nil || rf.terms.ID != id {
			return fmt.Errorf("%s holds no terms of agreement %s", *file, id)
		}
		return t.local(ctx, func(ctx context.Context, n *node.Node, p node.Principal) error {
			e, err := n.CountersignAgreement(ctx, p, *rf.terms, nil, nil)
			if err == nil {
				printEntry(stdout, "signed", e)
			}
			return err
		})
	case "withdraw":
		if t.url != "" {
			body := map[string]string{}
			if *on != "" {
				body["on"] = *on
			}
			if *reason != "" {
				body["reason"] = *reason
			}
			b, err := t.do(ctx, http.MethodPost, "/v1/agreements/"+id+"/withdraw", body)
			if err == nil {
				printAnswer(stdout, "withdrew from", b)
			}
			return err
		}
		return t.local(ctx, func(ctx context.Context, n *node.Node, p node.Principal) error {
			e, err := n.WithdrawAgreement(ctx, p, id, date, *reason)
			if err == nil {
				printEntry(stdout, "withdrew from", e)
			}
			return err
		})
	case "show":
		if t.url == "" {
			return errors.New("show needs --url: who signed is known from the federation's verified copies")
		}
		b, err := t.do(ctx, http.MethodGet, "/v1/agreements/"+id, nil)
		if err == nil {
			fmt.Fprintf(stdout, "%s\n", bytes.TrimSpace(b))
		}
		return err
	}
	fmt.Fprintln(stderr, usage)
	return errUsage
}
