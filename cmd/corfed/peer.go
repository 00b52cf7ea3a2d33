package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/corfed/corfed/federation"
)

// The program administrator's peer commands, against a running node: see
// how far each peer is verified and stored (and why a sync failed), sync
// now, and lift a misbehaving mark once its evidence was looked into.
//
//	corfed peer list                        --url URL [--token T | --data DIR]
//	corfed peer sync [CA-XX]                --url URL [--token T | --data DIR]
//	corfed peer reinstate CA-XX --reason R  --url URL [--token T | --data DIR]

func init() {
	extraCommands["peer"] = runPeer
	synopses["peer"] = "corfed peer list | sync [CA-XX] | reinstate CA-XX --reason TEXT  --url URL [--token T | --data DIR]"
	synopses["peer list"] = "corfed peer list --url URL [--token T | --data DIR]"
	synopses["peer sync"] = "corfed peer sync [CA-XX] --url URL [--token T | --data DIR]"
	synopses["peer reinstate"] = "corfed peer reinstate CA-XX --reason TEXT --url URL [--token T | --data DIR]"
}

var peerCode = regexp.MustCompile(`^CA-[A-Z]{2}$`)

func runPeer(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if done, err := noSubcommand("peer", args, stdout, stderr); done {
		return err
	}
	sub := args[0]
	switch sub {
	case "list", "sync", "reinstate":
	default:
		return usagef("unknown subcommand %q: list, sync or reinstate", sub)
	}
	fl := newFlags("peer "+sub, stderr)
	var t target
	t.flags(fl)
	var reason string
	if sub == "reinstate" {
		fl.StringVar(&reason, "reason", "", "why the mark is lifted: what the evidence showed and what the member did (required; kept in the peer's status)")
	}
	pos, err := parseArgs(fl, args[1:])
	if err != nil {
		return err
	}
	switch {
	case t.url == "":
		return usagef("peer %s needs --url: the peers' state is the running node's", sub)
	case sub == "list" && len(pos) != 0, sub == "sync" && len(pos) > 1, sub == "reinstate" && len(pos) != 1:
		return usagef("%s", synopses["peer "+sub])
	case len(pos) == 1 && !peerCode.MatchString(pos[0]):
		return usagef("%q is not a jurisdiction code such as CA-SK", pos[0])
	case sub == "reinstate" && strings.TrimSpace(reason) == "":
		return usagef("peer reinstate needs --reason: what the evidence showed and what the member did")
	}
	if sub != "list" || t.token != "" || t.data != "" {
		// list is public; an administrator's token also shows each
		// peer's URL and why its last sync failed.
		if err := t.check(); err != nil {
			return err
		}
	}
	var b []byte
	switch sub {
	case "list":
		b, err = t.do(ctx, http.MethodGet, "/v1/peers", nil)
	case "sync":
		path := "/v1/peers/sync"
		if len(pos) == 1 {
			path += "?peer=" + url.QueryEscape(pos[0])
		}
		b, err = t.do(ctx, http.MethodPost, path, nil)
	case "reinstate":
		var st federation.PeerStatus
		if b, err = t.do(ctx, http.MethodPost, "/v1/peers/"+pos[0]+"/reinstate", map[string]string{"reason": reason}); err != nil {
			return err
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("the node's answer: %w", err)
		}
		fmt.Fprintf(stdout, "reinstated %s: its misbehaving mark is lifted (kept in its status with your reason); the next sync checks it again\n", st.Jurisdiction)
		printPeer(stdout, st)
		return nil
	}
	if err != nil {
		return err
	}
	var ps struct {
		Self  string                  `json:"self"`
		Peers []federation.PeerStatus `json:"peers"`
	}
	if err := json.Unmarshal(b, &ps); err != nil {
		return fmt.Errorf("the node's answer: %w", err)
	}
	if len(ps.Peers) == 0 {
		fmt.Fprintf(stdout, "%s has no peers (start it with --federation FILE)\n", ps.Self)
		return nil
	}
	for _, p := range ps.Peers {
		printPeer(stdout, p)
	}
	return nil
}

// printPeer prints a peer's status in a few lines.
func printPeer(w io.Writer, p federation.PeerStatus) {
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "%s  %s  verified %d of %d  last success %s", p.Jurisdiction, p.State, p.Seq, p.PeerSize, when(p.LastSuccess))
	if p.Refused > 0 {
		fmt.Fprintf(w, "  refused %d", p.Refused)
	}
	fmt.Fprintln(w)
	if p.URL != "" {
		fmt.Fprintf(w, "  url %s\n", p.URL)
	}
	if p.ErrorCode != "" {
		fmt.Fprintf(w, "  last sync failed (%s, %s)", p.ErrorCode, when(p.LastAttempt))
		if p.LastError != "" {
			fmt.Fprintf(w, ": %s", p.LastError)
		}
		fmt.Fprintln(w)
	}
	if p.Misbehaving && p.Evidence != nil {
		fmt.Fprintf(w, "  MISBEHAVING since %s (%s): %s\n  once the evidence is looked into: corfed peer reinstate %s --reason TEXT\n",
			when(p.Evidence.DetectedAt), p.Evidence.DetectedBy, p.Evidence.Reason, p.Jurisdiction)
	}
	for _, r := range p.Reinstated {
		fmt.Fprintf(w, "  reinstated %s by token %s: %s (the mark of %s: %s)\n", when(r.At), r.By, r.Reason, when(r.Mark.DetectedAt), r.Mark.Reason)
	}
	if len(p.Keys) > 0 {
		fmt.Fprintf(w, "  keys %s\n", strings.Join(p.Keys, ", "))
	}
}
