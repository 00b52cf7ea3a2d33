package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// The command line's conventions: `--help` prints a command's synopsis,
// arguments and flags on stdout and exits 0; a usage error is printed on
// stderr with the command's name and exits 2; `corfed version` and
// `corfed --version` print the build.

// synopses documents each command's arguments (flags are listed from the
// flag set). A command not listed here takes flags only.
var synopses = map[string]string{
	"serve":              "corfed serve --jurisdiction CODE [flags]",
	"keygen":             "corfed keygen [--data DIR] [--alg EdDSA|ES256] [--rotate | --public]",
	"token":              "corfed token [flags]\n       corfed token revoke JTI [--data DIR]",
	"demo":               "corfed demo [flags]",
	"verify":             "corfed verify PROOF|PASS|- --federation FILE [--lang en|fr] [--status-cache DIR] [--offline] [--accept-stale]\n\n  PROOF  a recognition proof (the proof member of a /v1/recognition answer)\n  PASS   a COR pass (the text of its QR code)\n  -      reads either from stdin",
	"version":            "corfed version",
	"token revoke":       "corfed token revoke JTI [--data DIR]",
	"import":             "corfed import FILE.csv|FILE.xlsx (--url URL --token TOKEN | --data DIR) [--dry-run] [--json]",
	"rules publish":      "corfed rules publish FILE [--url URL] [--token T] [--data DIR]",
	"agreement":          "corfed agreement propose FILE | sign ID | withdraw ID | show ID  [--url URL] [--token T] [--data DIR]",
	"agreement propose":  "corfed agreement propose FILE [--url URL] [--token T] [--data DIR]",
	"agreement sign":     "corfed agreement sign ID [--url URL] [--token T] [--data DIR --file FILE]",
	"agreement withdraw": "corfed agreement withdraw ID [--on YYYY-MM-DD] [--reason TEXT] [--url URL] [--token T] [--data DIR]",
	"agreement show":     "corfed agreement show ID --url URL [--token T]",
	"webhook-key":        "corfed webhook-key rotate [--data DIR] [--overlap 168h] [--force]",
	"webhook-key rotate": "corfed webhook-key rotate [--data DIR] [--overlap 168h] [--force]",
	"snapshots import":   "corfed snapshots import FILE.csv|FILE.xlsx [--data DIR | --url URL --token TOKEN] [--mapping FILE.csv] [--skip-unmapped] [--sheet NAME] [--dry-run]",
}

// helpRequest is returned by parse when the command line asks for help;
// Main prints the command's usage on stdout and exits 0.
type helpRequest struct{ fl *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }

// usageError is a command line the command cannot run: Main prints it with
// the command's name and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usage error.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// required returns a usage error naming the required flag when value is
// empty.
func required(name, value, what string) error {
	if value == "" {
		return usagef("--%s is required: %s", name, what)
	}
	return nil
}

// printUsage writes fl's command synopsis and flags to w.
func printUsage(w io.Writer, fl *flag.FlagSet) {
	name := strings.TrimPrefix(fl.Name(), "corfed ")
	syn, ok := synopses[name]
	if !ok {
		syn = fl.Name() + " [flags]"
	}
	fmt.Fprintf(w, "usage: %s\n", syn)
	n := 0
	fl.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		out := fl.Output()
		fl.SetOutput(w)
		fl.PrintDefaults()
		fl.SetOutput(out)
	}
}

// reportError prints err for command cmd as Main does and returns the exit
// status: 0 for a help request (usage on stdout), 2 for a usage error, an
// exitError's own status (corfed verify's 3), 1 otherwise.
func reportError(cmd string, err error, stdout, stderr io.Writer) int {
	var h *helpRequest
	var u *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &h):
		printUsage(stdout, h.fl)
		return 0
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "corfed %s: %s\nRun 'corfed %s --help' for usage.\n", cmd, u.msg, cmd)
		return 2
	case errors.Is(err, errUsage):
		return 2 // already explained
	}
	var x *exitError
	if errors.As(err, &x) {
		fmt.Fprintf(stderr, "corfed %s: %v\n", cmd, err)
		return x.code
	}
	fmt.Fprintf(stderr, "corfed %s: %v\n", cmd, err)
	return 1
}

// exitError is an error with an exit status of its own (not 1).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// version describes this build: the module version (or "devel"), the VCS
// revision when the binary was built from a checkout, and the Go version.
func version() string {
	v, rev, dirty := "devel", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	s := "corfed " + v
	if rev != "" {
		s += " " + rev[:min(12, len(rev))]
		if dirty {
			s += "+dirty"
		}
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
