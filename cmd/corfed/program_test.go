package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// TestProgramCommands configures a node started without --seed entirely
// through the program commands: rules publish against the stopped node's
// data directory and against the running node with an admin token, an
// agreement proposed, then shown and withdrawn.
func TestProgramCommands(t *testing.T) {
	dir := t.TempDir()
	bcRules := filepath.Join(testdata, "rules", "hosts", "CA-BC.json")
	abRules := filepath.Join(testdata, "rules", "hosts", "CA-AB.json")
	agreement := filepath.Join(testdata, "rules", "agreements", "cfcsa-construction-2021.json")

	// The node must exist (started once) before its data dir is used.
	serve := func() (string, context.CancelFunc, chan int) {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			code := Main(ctx, []string{"serve", "--jurisdiction", "CA-BC", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"}, nil, pw, io.Discard)
			pw.Close()
			done <- code
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		go io.Copy(io.Discard, pr)
		m := regexp.MustCompile(`^node CA-BC (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
		if err != nil || m == nil {
			cancel()
			t.Fatalf("serve printed %q (%v)", line, err)
		}
		return m[1], cancel, done
	}
	_, stop, done := serve()
	if code, _, stderr := run(t, "rules", "publish", bcRules, "--data", dir); code == 0 || !strings.Contains(stderr, "--url") {
		t.Errorf("publishing into a running node's store: exit %d (%s), want a refusal pointing to --url", code, stderr)
	}
	stop()
	<-done

	code, out, stderr := run(t, "rules", "publish", bcRules, "--data", dir)
	if code != 0 || !strings.HasPrefix(out, "published host_rules CA-BC-recognition-2010 v1") {
		t.Fatalf("rules publish --data: exit %d, out %q, err %q", code, out, stderr)
	}
	// The version is signed as the administrator's act, not as the
	// node's own (review s25-r, finding 9).
	if n, db, err := openNode(t.Context(), nodeOptions{Jurisdiction: "CA-BC", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	} else {
		var by *registry.Author
		if err := n.View(t.Context(), func(s node.Snapshot) error {
			e, err := s.Self().Latest(registry.KindHostRules, "CA-BC-recognition-2010")
			by = e.By
			return err
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if by == nil || by.Role != node.RoleAdmin {
			t.Errorf("rules publish --data signed by %+v; want the administrator (role admin)", by)
		}
	}
	if code, _, stderr := run(t, "rules", "publish", abRules, "--data", dir); code == 0 || !strings.Contains(stderr, "only CA-BC's rules") {
		t.Errorf("publishing AB's rules on BC's node: exit %d (%s), want a refusal", code, stderr)
	}

	url, stop, done := serve()
	defer func() { stop(); <-done }()
	// The running node, with an admin token made from the data dir's key.
	code, out, stderr = run(t, "agreement", "propose", agreement, "--url", url, "--data", dir)
	if code != 0 || !strings.HasPrefix(out, "proposed agreement cfcsa-construction-2021 v1") {
		t.Fatalf("agreement propose --url: exit %d, out %q, err %q", code, out, stderr)
	}
	code, tok, _ := run(t, "token", "--data", dir)
	if code != 0 {
		t.Fatal("token")
	}
	t.Setenv("CORFED_TOKEN", strings.TrimSpace(tok))
	code, out, stderr = run(t, "rules", "publish", bcRules, "--url", url)
	if code != 0 || !strings.HasPrefix(out, "published host_rules CA-BC-recognition-2010 v2") {
		t.Fatalf("rules publish --url with $CORFED_TOKEN: exit %d, out %q, err %q", code, out, stderr)
	}
	code, out, _ = run(t, "agreement", "show", "cfcsa-construction-2021", "--url", url)
	var st struct {
		SignedBy []string `json:"signed_by"`
		Unsigned []string `json:"unsigned_by"`
		Counts   bool     `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st.SignedBy) != 1 || st.SignedBy[0] != "CA-BC" || len(st.Unsigned) != 10 || st.Counts {
		t.Errorf("agreement show: exit %d, %+v (%v); want signed by CA-BC only, 10 unsigned", code, st, err)
	}
	var rules struct {
		Rules []struct {
			Kind string `json:"rule_kind"`
		} `json:"rules"`
	}
	resp, err := http.Get(url + "/v1/rules?on=2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&rules)
	resp.Body.Close()
	if len(rules.Rules) != 2 {
		t.Errorf("GET /v1/rules: %d rules in force, want 2 (BC's rules and the agreement)", len(rules.Rules))
	}
	code, out, stderr = run(t, "agreement", "withdraw", "cfcsa-construction-2021", "--on", "2027-01-01", "--reason", "review", "--url", url)
	if code != 0 || !strings.HasPrefix(out, "withdrew from agreement cfcsa-construction-2021 v2") {
		t.Errorf("agreement withdraw: exit %d, out %q, err %q", code, out, stderr)
	}
}
