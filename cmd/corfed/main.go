// Command corfed runs a provincial COR registry node, issues its keys and
// tokens, and (with a federation file) joins the federation.
//
//	corfed serve   --jurisdiction CA-AB [--addr 127.0.0.1:8080] [--data ./corfed-data] [--seed] [--federation FILE]
//	corfed keygen  [--data DIR] [--alg EdDSA|ES256] [--rotate]
//	corfed token   [--data DIR] [--role admin|cp] [--cp ID] [--scope a,b] [--ttl 24h]
//	corfed demo    [--data DIR]
//	corfed verify  PROOF|- --federation FILE
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
  serve    run a registry node
  keygen   create or rotate the node's signing key
  token    print a bearer token for the program administrator or a CP
  demo     run a federation of nodes on loopback with example data
  verify   check a recognition proof offline
  snapshots import performance snapshots (claims data) from CSV or XLSX
  bench    measure throughput against raw-crypto baselines

Run 'corfed COMMAND -h' for a command's flags.
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
	f, ok := cmds[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "corfed: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := f(ctx, args[1:], stdin, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "corfed %s: %v\n", args[0], err)
	return 1
}

// extraCommands are registered by other files of this package.
var extraCommands = map[string]func(context.Context, []string, io.Reader, io.Writer, io.Writer) error{}
