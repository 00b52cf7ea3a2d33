// Command corfed runs a provincial COR registry node, issues its keys and
// tokens, and (with a federation file) joins the federation.
//
//	corfed serve   --jurisdiction CA-AB [--addr 127.0.0.1:8080] [--data ./corfed-data] [--seed] [--federation FILE]
//	corfed keygen  [--data DIR] [--alg EdDSA|ES256] [--rotate]
//	corfed webhook-key rotate [--data DIR] [--overlap 168h] [--force]
//	corfed token   [--data DIR] [--role admin|cp] [--cp ID] [--scope a,b] [--ttl 24h]
//	corfed demo    [--data DIR]
//	corfed verify  PROOF|PASS|- --federation FILE [--status-cache DIR] [--offline] [--accept-stale]
//	corfed import  FILE.csv|FILE.xlsx (--url URL --token TOKEN | --data DIR) [--dry-run] [--json]
//	corfed rules publish FILE [--url URL] [--token T] [--data DIR]
//	corfed agreement propose FILE | sign ID | withdraw ID | show ID [--url URL] [--token T] [--data DIR]
//	corfed snapshots import FILE.csv|FILE.xlsx [--data DIR] [--mapping FILE.csv] [--dry-run]
//	corfed report  --from DATE --to DATE [--data DIR]
//	corfed synth   [--holders N] [--others N] [--out DIR]
//	corfed mirror  --from URL --to DEST [--federation FILE --jurisdiction CA-XX] [--watch]
//	corfed bench   [--size N] [--only LIST]
//	corfed reindex [--data DIR]
//	corfed restore --from URL|DIR [--data DIR]
//	corfed version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // jurisdiction zones work on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks an error in the command line: exit status 2.
var errUsage = errors.New("usage")

const usage = `corfed: a provincial Certificate of Recognition registry node

commands:
  serve        run a registry node
  keygen       create or rotate the node's signing key
  webhook-key  rotate the node's webhook signing key (the old one signs too for an overlap)
  token        print a bearer token for the program administrator or a CP
  demo         run a federation of nodes on loopback with example data
  verify       check a recognition proof or a COR pass offline
  version      print the build's version
  import       import employers and certificates from CSV or XLSX into a node
  rules        publish the node's host recognition rules (and terms of agreement) from a file
  agreement    propose, sign, withdraw or show a reciprocity agreement
  peer         list the federation's peers, sync them now, or lift a misbehaving mark
  snapshots    import performance snapshots (claims data) from CSV or XLSX
  report       print the program evaluation: COR holders vs others, CP cycle times, for a period
  synth        write synthetic holders and snapshots to try import and report with
  mirror       copy a node's static tiles, verifying everything, and cosign them
  bench        measure a node end to end against raw-crypto and bare-HTTP baselines
  reindex      rebuild a stopped node's search index after an upgrade that changes its keys
  restore      give a stopped node's store back the entries of its log it lost, from its published tiles

Run 'corfed COMMAND --help' (or 'corfed help COMMAND') for a command's arguments and flags.
`

// Main runs the command line args and returns the exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, io.Reader, io.Writer, io.Writer) error{
		"serve":  runServe,
		"keygen": runKeygen,
		"token":  runToken,
	}
	for name, f := range extraCommands {
		cmds[name] = f
	}
	cmds["version"] = runVersion
	if args[0] == "help" && len(args) > 1 {
		// "corfed help serve" is "corfed serve --help".
		args = append([]string{args[1], "--help"}, args[2:]...)
	}
	f, ok := cmds[args[0]]
	if !ok {
		switch args[0] {
		case "-h", "--help", "-help", "help":
			fmt.Fprint(stdout, usage)
			return 0
		case "--version", "-version":
			fmt.Fprintln(stdout, version())
			return 0
		}
		fmt.Fprintf(stderr, "corfed: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return reportError(args[0], f(ctx, args[1:], stdin, stdout, stderr), stdout, stderr)
}

func runVersion(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if err := parse(newFlags("version", stderr), args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, version())
	return nil
}

// extraCommands are registered by other files of this package.
var extraCommands = map[string]func(context.Context, []string, io.Reader, io.Writer, io.Writer) error{}

// hiddenCommands are the extra commands the usage does not list: processes
// corfed bench starts from its own binary, not for people.
var hiddenCommands = map[string]bool{benchClientCommand: true, benchFollowCommand: true}
