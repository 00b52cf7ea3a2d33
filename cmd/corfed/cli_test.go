package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLineConventions: version, --help on stdout with exit 0,
// usage errors on stderr naming the command with exit 2, required flags
// said to be required.
func TestCommandLineConventions(t *testing.T) {
	tests := []struct {
		args               []string
		code               int
		stdout, stderr     string // substrings expected
		stdoutEmpty, errOK bool
	}{
		{args: []string{"version"}, code: 0, stdout: "corfed "},
		{args: []string{"--version"}, code: 0, stdout: "corfed "},
		{args: []string{"--help"}, code: 0, stdout: "commands:"},
		{args: []string{"serve", "--help"}, code: 0, stdout: "usage: corfed serve --jurisdiction CODE"},
		{args: []string{"serve", "-h"}, code: 0, stdout: "-cors-origins"},
		{args: []string{"verify", "--help"}, code: 0, stdout: "PROOF"},
		{args: []string{"token", "--help"}, code: 0, stdout: "corfed token revoke JTI"},
		{args: []string{"keygen", "--help"}, code: 0, stdout: "-rotate"},
		{args: []string{"serve"}, code: 2, stderr: "corfed serve: --jurisdiction is required", stdoutEmpty: true},
		{args: []string{"serve", "--jurisdiction", "CA-XX"}, code: 2, stderr: "corfed serve: --jurisdiction \"CA-XX\" is not an ISO 3166-2:CA code", stdoutEmpty: true},
		{args: []string{"serve", "--jurisdiction", "CA-AB", "--log-level", "loud"}, code: 2, stderr: "corfed serve: --log-level \"loud\"", stdoutEmpty: true},
		{args: []string{"serve", "--jurisdiction", "CA-AB", "--memory-limit", "lots"}, code: 2, stderr: "corfed serve: --memory-limit \"lots\"", stdoutEmpty: true},
		{args: []string{"serve", "--jurisdiction", "CA-AB", "--gc-percent", "-2"}, code: 2, stderr: "corfed serve: --gc-percent -2", stdoutEmpty: true},
		{args: []string{"serve", "--bogus"}, code: 2, stderr: "corfed serve: flag provided but not defined: -bogus", stdoutEmpty: true},
		{args: []string{"keygen", "extra"}, code: 2, stderr: "corfed keygen: unexpected argument \"extra\""},
		{args: []string{"verify"}, code: 2, stderr: "corfed verify: PROOF is required"},
		{args: []string{"verify", "x"}, code: 2, stderr: "corfed verify: --federation is required"},
		{args: []string{"token", "revoke"}, code: 2, stderr: "corfed token: JTI is required"},
		{args: []string{"bench", "--help"}, code: 0, stdout: "-size"},
		{args: []string{"bench", "--recognitions", "5"}, code: 2, stderr: "corfed bench: --recognitions 5: at least 100", stdoutEmpty: true},
		{args: []string{"help", "serve"}, code: 0, stdout: "usage: corfed serve --jurisdiction CODE"},
		{args: []string{"help", "bogus"}, code: 2, stderr: "corfed: unknown command \"bogus\""},
		{args: []string{"token", "--jurisdiction", "CA-ZZ"}, code: 2, stderr: "corfed token: --jurisdiction: \"CA-ZZ\" is not an ISO 3166-2:CA code", stdoutEmpty: true},
		{args: []string{"agreement", "withdraw", "X", "--on", "2026-13-01", "--data", "d"}, code: 2, stderr: "corfed agreement: --on: ", stdoutEmpty: true},
		{args: []string{"mirror"}, code: 2, stderr: "--from and --to are required"},
		{args: []string{"mirror", "--from", "http://127.0.0.1:1", "--to", "d", "--check", "f"}, code: 2, stderr: "give --to or --check, not both", stdoutEmpty: true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tc.code, out, errs)
			}
			if tc.stdout != "" && !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout %q, want it to contain %q", out, tc.stdout)
			}
			if tc.stderr != "" && !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q, want it to contain %q", errs, tc.stderr)
			}
			if tc.stdoutEmpty && out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tc.code == 0 && errs != "" {
				t.Errorf("stderr %q, want nothing", errs)
			}
		})
	}
	if _, out, _ := run(t, "--help"); strings.Contains(out, "bench") {
		if _, ok := extraCommands["bench"]; !ok {
			t.Errorf("usage lists bench, which does not exist:\n%s", out)
		}
	}
}

// TestFlagValuesAreUsageErrors: a flag's value the command refuses is a
// usage error (exit 2, the flag named, the hint to --help), as an unknown
// flag is, and keygen refuses a bad --alg before it creates the data
// directory. Found by review s25-q (finding 2).
func TestFlagValuesAreUsageErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	if code, _, errs := run(t, "keygen", "--alg", "RS256", "--data", dir); code != 2 || !strings.Contains(errs, "--alg: \"RS256\"") || !strings.Contains(errs, "--help") {
		t.Errorf("keygen --alg RS256: exit %d, stderr %q; want exit 2 naming --alg, with the hint", code, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("keygen --alg RS256 left %s behind (%v)", dir, err)
	}
	if code, _, errs := run(t, "keygen", "--data", dir); code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "foo"}, "--role: admin or cp"},
		{[]string{"--scope", "bogus:write"}, "--scope: unknown scope \"bogus:write\""},
		{[]string{"--ttl", "9999h"}, "--ttl: between 1s and 90 days"},
		{[]string{"--role", "cp", "--cp", "x"}, "--cp: a CP id is"},
	} {
		code, out, errs := run(t, append([]string{"token", "--jurisdiction", "CA-AB", "--data", dir}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errs, "corfed token: "+tc.want) || !strings.Contains(errs, "corfed token --help") {
			t.Errorf("token %v: exit %d, stdout %q, stderr %q; want exit 2, %q and the hint", tc.args, code, out, errs, tc.want)
		}
	}
}

// TestEveryCommandHelps: `corfed --help` lists every command there is, and
// every command and subcommand answers --help with its synopsis on stdout
// and exit 0; a bad flag or subcommand is a usage error naming the command.
func TestEveryCommandHelps(t *testing.T) {
	names := []string{"serve", "keygen", "token", "version"}
	for name := range extraCommands {
		if !hiddenCommands[name] {
			names = append(names, name)
		}
	}
	_, top, _ := run(t, "--help")
	listed := map[string]bool{}
	for _, line := range strings.Split(top, "\n") {
		if f := strings.Fields(line); strings.HasPrefix(line, "  ") && len(f) > 1 {
			listed[f[0]] = true
		}
	}
	for _, name := range names {
		if !listed[name] {
			t.Errorf("corfed --help does not list %q:\n%s", name, top)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("corfed --help lists %q, which is not a command", name)
	}
	subs := [][]string{{"token", "revoke"}, {"rules", "publish"}, {"agreement", "propose"}, {"agreement", "sign"},
		{"agreement", "withdraw"}, {"agreement", "show"}, {"snapshots", "import"}, {"webhook-key", "rotate"}}
	cmds := [][]string{}
	for _, name := range names {
		cmds = append(cmds, []string{name})
	}
	for _, args := range append(cmds, subs...) {
		for _, help := range []string{"--help", "-h"} {
			code, out, errs := run(t, append(args, help)...)
			want := "usage: corfed " + strings.Join(args, " ")
			if len(args) == 1 && (args[0] == "rules" || args[0] == "snapshots") {
				want = "usage: corfed " + args[0] + " " // the one subcommand's synopsis
			}
			if code != 0 || !strings.HasPrefix(out, want) || errs != "" {
				t.Errorf("corfed %s %s: exit %d, stdout %q, stderr %q; want exit 0 and stdout starting %q",
					strings.Join(args, " "), help, code, out, errs, want)
			}
		}
	}
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"import", "--bogus", "x.csv"}, "corfed import: flag provided but not defined: -bogus"},
		{[]string{"rules", "publish", "--bogus"}, "corfed rules: flag provided but not defined: -bogus"},
		{[]string{"agreement", "bogus"}, "corfed agreement: unknown subcommand \"bogus\""},
		{[]string{"snapshots", "import", "--bogus"}, "corfed snapshots: flag provided but not defined: -bogus"},
		{[]string{"snapshots", "import"}, "usage: corfed snapshots import FILE"},
	} {
		code, out, errs := run(t, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.stderr) {
			t.Errorf("corfed %s: exit %d, stdout %q, stderr %q; want exit 2 and stderr holding %q",
				strings.Join(tc.args, " "), code, out, errs, tc.stderr)
		}
	}
}

// TestServeBindsBeforeTouchingData: a node that cannot listen leaves its
// data directory alone.
func TestServeBindsBeforeTouchingData(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "data")
	code, _, errs := run(t, "serve", "--jurisdiction", "CA-AB", "--addr", ln.Addr().String(), "--data", dir, "--seed", "--testdata", testdata)
	if code != 1 || !strings.Contains(errs, "address already in use") {
		t.Errorf("serve on a busy port: exit %d (%s), want 1 with the bind error", code, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("serve on a busy port created %s (%v)", dir, err)
	}
}

// TestTokenRevoke: `corfed token` prints the token id on stderr; `corfed
// token revoke` records it durably, and a node's revocation list sees it.
func TestTokenRevoke(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := run(t, "keygen", "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	code, tok, errs := run(t, "token", "--data", dir, "--jurisdiction", "CA-AB")
	if code != 0 {
		t.Fatal(errs)
	}
	jti, err := tokenID(strings.TrimSpace(tok))
	if err != nil || !strings.Contains(errs, jti) {
		t.Fatalf("token id %q (%v); stderr %q should name it", jti, err, errs)
	}
	r, err := newRevocations(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Revoked(jti) {
		t.Fatal("revoked before revoke")
	}
	if code, _, errs := run(t, "token", "revoke", jti, "--data", dir); code != 0 {
		t.Fatalf("revoke: exit %d: %s", code, errs)
	}
	if code, _, _ := run(t, "token", "revoke", "bad id!", "--data", dir); code != 2 {
		t.Errorf("revoke of a malformed id: exit %d, want 2", code)
	}
	if err := r.reload(); err != nil || !r.Revoked(jti) || r.Revoked("other") {
		t.Errorf("after revoke: Revoked(%s) = %v (%v), want true and false for others", jti, r.Revoked(jti), err)
	}
	if r2, err := newRevocations(dir); err != nil || !r2.Revoked(jti) {
		t.Errorf("a node started later: Revoked = false (%v), want true (durable)", err)
	}
}
