package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/ingest"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/openapi"
)

func init() {
	extraCommands["snapshots"] = runSnapshots
}

// measureOps opens the node's snapshot file in dir and returns the
// measurement operations over it, and a function that closes the file.
func measureOps(dir string, svcCfg service.Config, noSync bool) (openapi.Extension, *service.Service, func() error, error) {
	st, err := snapstore.Open(filepath.Join(dir, snapstore.File), noSync)
	if err != nil {
		return nil, nil, nil, err
	}
	svcCfg.Snapshots = st
	svc := service.New(svcCfg)
	return openapi.MeasureOps(svc, string(svcCfg.Node.Jurisdiction())), svc, st.Close, nil
}

const snapshotsAbout = `
Imports performance snapshots (claims data) into the node's snapshot file,
DIR/snapshots.db, kept apart from the node's signed feed. Every problem of
every row is printed (row, column, value, message) and nothing is stored
when there is one. With --data the node must not be running; with --url
the file is read and checked here, then sent to the running node in parts
of 5,000 rows (POST /v1/snapshots), each stored all or nothing: if a part
fails, the parts before it stay stored, and running the command again sends
them back unchanged.
`

// snapshotChunk is the rows of one POST /v1/snapshots (its maxItems); a
// variable for the tests.
var snapshotChunk = 5000

func runSnapshots(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	usage := "usage: " + synopses["snapshots import"] + "\n" + snapshotsAbout
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	fl := newFlags("snapshots import", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory")
	mapping := fl.String("mapping", "", "CSV mapping Alberta EMP_KEY to employer_bn and wcb_account (header emp_key,employer_bn,wcb_account)")
	skip := fl.Bool("skip-unmapped", false, "skip Alberta rows whose EMP_KEY has no mapping, instead of reporting them")
	sheet := fl.String("sheet", "", "XLSX sheet to read (default: the first whose header has every column, or else the first naming EMP_KEY or employer_bn)")
	dry := fl.Bool("dry-run", false, "check the file and print the report; store nothing")
	url := fl.String("url", "", "a running node's base URL (with --token) instead of --data")
	token := fl.String("token", "", "a bearer token of that node (corfed token) with snapshots:write")
	pos, err := parseArgs(fl, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	file := pos[0]
	dataSet := false
	fl.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" })
	if (*url == "") != (*token == "") || (*url != "" && dataSet) {
		fmt.Fprintln(stderr, "corfed snapshots import: give --url and --token together, or --data, not both")
		return errUsage
	}
	opt := ingest.Options{SkipUnmapped: *skip, Sheet: *sheet}
	if *mapping != "" {
		f, err := os.Open(*mapping)
		if err != nil {
			return err
		}
		opt.Mapping, err = ingest.ReadMapping(f)
		f.Close()
		if err != nil {
			printSnapshotReport(stderr, *mapping, err)
			return fmt.Errorf("--mapping %s: %w", *mapping, err)
		}
	}
	res, err := ingest.ReadFile(file, opt)
	if err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		printSnapshotReport(stderr, file, err)
		return fmt.Errorf("%s: %d problem(s) in %d row(s); nothing stored", file, len(res.Report.Problems), res.Report.Rows)
	}
	fmt.Fprintf(stdout, "%s: %s layout", file, res.Layout)
	if res.Sheet != "" {
		fmt.Fprintf(stdout, " (worksheet %q)", res.Sheet)
	}
	fmt.Fprintf(stdout, ", %d rows", len(res.Rows))
	if res.Skipped > 0 {
		fmt.Fprintf(stdout, ", %d unmapped rows skipped", res.Skipped)
	}
	if *dry {
		fmt.Fprintln(stdout, "; no problems (dry run: nothing stored)")
		return nil
	}
	if *url != "" {
		var sum snapstore.PutResult
		parts := 0
		for start := 0; start < len(res.Rows); start += snapshotChunk {
			got, err := openapi.PostSnapshots(ctx, http.DefaultClient, strings.TrimRight(*url, "/"), *token,
				res.Rows[start:min(start+snapshotChunk, len(res.Rows))])
			if err != nil {
				fmt.Fprintf(stdout, "; stored in %d part(s) before this one failed (rows 1-%d of the file's checked rows): %d added, %d replaced, %d unchanged\n",
					parts, start, sum.Added, sum.Replaced, sum.Unchanged)
				return fmt.Errorf("part %d (rows %d-%d): %w", parts+1, start+1, min(start+snapshotChunk, len(res.Rows)), err)
			}
			sum.Added, sum.Replaced, sum.Unchanged = sum.Added+got.Added, sum.Replaced+got.Replaced, sum.Unchanged+got.Unchanged
			parts++
		}
		fmt.Fprintf(stdout, "; stored in %d part(s): %d added, %d replaced, %d unchanged\n", parts, sum.Added, sum.Replaced, sum.Unchanged)
		return nil
	}
	st, err := snapstore.Open(filepath.Join(*dir, snapstore.File), false)
	if err != nil {
		fmt.Fprintln(stdout)
		return err
	}
	defer st.Close()
	put, err := st.Put(ctx, res.Rows)
	if err != nil {
		fmt.Fprintln(stdout)
		return err
	}
	fmt.Fprintf(stdout, "; stored: %d added, %d replaced, %d unchanged\n", put.Added, put.Replaced, put.Unchanged)
	return nil
}

func printSnapshotReport(w io.Writer, file string, err error) {
	var rep *measure.Report
	if !errors.As(err, &rep) {
		return
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "%s: %s\n", file, p)
	}
}
