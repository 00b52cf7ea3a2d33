package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/measure/synth"
	"github.com/corfed/corfed/registry"
)

func init() {
	extraCommands["report"] = runReport
	extraCommands["synth"] = runSynth
}

// runReport prints the program evaluation summary for a period: the OHS
// performance of COR holders against everyone else, year by year, and the
// process metrics per certifying partner (the plan's three-yearly
// evaluation).
func runReport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("report", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory (the node must not be running)")
	fromS := fl.String("from", "", "first day of the period, YYYY-MM-DD (required)")
	toS := fl.String("to", "", "last day of the period, YYYY-MM-DD (required)")
	minPY := fl.Float64("min-person-years", measure.DefaultMinimum.PersonYears, "suppress a group with fewer person-years")
	minEmp := fl.Int("min-employers", measure.DefaultMinimum.Employers, "suppress a group with fewer employers")
	if err := parse(fl, args); err != nil {
		return err
	}
	from, err1 := registry.ParseDate(*fromS)
	to, err2 := registry.ParseDate(*toS)
	if err1 != nil || err2 != nil || to.Before(from) {
		fmt.Fprintln(stderr, "corfed report: --from and --to are dates YYYY-MM-DD, --from not after --to")
		return errUsage
	}
	ni, err := readNodeInfo(*dir)
	if err != nil {
		return fmt.Errorf("--data %s: no node there: %w", *dir, err)
	}
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: ni.Jurisdiction, Data: *dir, Logger: slog.New(slog.DiscardHandler)})
	if errors.Is(err, registry.ErrUnavailable) {
		return fmt.Errorf("%w (is the node running? corfed report reads a stopped node's store; a running node answers GET /v1/metrics/ohs and /v1/metrics/process)", err)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := snapstore.Open(filepath.Join(*dir, snapstore.File), false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(service.Config{Node: n, Snapshots: st, Minimum: measure.Minimum{PersonYears: *minPY, Employers: *minEmp}})
	w := func(format string, a ...any) { fmt.Fprintf(stdout, format, a...) }
	w("COR program evaluation, %s, %s to %s\n", n.Jurisdiction(), from, to)
	w("Rates per 100 person-years (LTC, DIR), per 1,000,000 person-years (fatalities); 95%% Poisson intervals;\n")
	w("groups under %g person-years or %d employer-years (each employer counted for its share of the year) suppressed.\n", *minPY, *minEmp)
	if from.Month() != time.January || from.Day() != 1 || to.Month() != time.December || to.Day() != 31 {
		// Claims snapshots are by calendar year: the period's years are
		// shown whole.
		w("Injury figures are by calendar year: %d to %d, each year the period touches, whole.\n", from.Year(), to.Year())
	}
	w("\n")
	w("%-6s %-8s %9s %12s %18s %18s %22s %10s\n", "year", "group", "employers", "person-yrs", "LTC rate", "DIR", "fatality rate", "cost/py")
	for y := from.Year(); y <= to.Year(); y++ {
		r, err := svc.OHS(ctx, measure.Query{Year: y})
		if err != nil {
			return err
		}
		for _, g := range []struct {
			name string
			g    measure.Group
		}{{"cor", r.Groups.COR}, {"non_cor", r.Groups.NonCOR}} {
			x := g.g.Figures
			if x == nil {
				w("%-6d %-8s %s\n", y, g.name, "suppressed ("+g.g.Reason+")")
				continue
			}
			cost := "n/a"
			if x.ClaimCostPerPY != nil {
				cost = strconv.FormatFloat(*x.ClaimCostPerPY, 'f', 0, 64)
			}
			w("%-6d %-8s %9d %12.1f %18s %18s %22s %10s\n", y, g.name, x.Employers, x.PersonYears,
				ci(x.LTCRate, x.LTCRateCI, 2), ci(x.DIR, x.DIRCI, 2), ci(x.FatalityRate, x.FatalityRateCI, 0), cost)
		}
		if rr := r.Ratios; rr != nil {
			var parts []string
			for _, p := range []struct {
				name string
				r    *measure.RateRatio
			}{{"LTC", rr.LTCRate}, {"DIR", rr.DIR}, {"fatality", rr.FatalityRate}} {
				if p.r != nil {
					parts = append(parts, fmt.Sprintf("%s %.2f (%.2f-%.2f)", p.name, p.r.Ratio, p.r.Interval.Lower, p.r.Interval.Upper))
				}
			}
			if rr.ClaimCostPerPY != nil {
				parts = append(parts, fmt.Sprintf("cost/py %.2f", *rr.ClaimCostPerPY))
			}
			w("%-6d COR/non-COR rate ratios: %s\n", y, strings.Join(parts, "; "))
		}
	}
	p, err := svc.Process(ctx, "", from, to)
	if err != nil {
		return err
	}
	w("\nProcess metrics by certifying partner, %s to %s (records kept: %s)\n", from, to, strings.Join(p.Kept, ", "))
	w("%-8s %7s %7s %9s %7s %-26s %-22s %s\n", "cp", "COR", "SECOR", "active@end", "audits", "report days (on time/late)", "review days (open@end)", "action days (on time/late)")
	for _, c := range p.CPs {
		w("%-8s %7d %7d %9d %7d %-26s %-22s %s\n", c.CP, c.Issued[registry.ProgramCOR], c.Issued[registry.ProgramSECOR], c.ActiveAtEnd,
			c.AuditsPassed+c.AuditsFailed, cycle(c.ReportCycle, true), cycle(c.ReviewCycle, false), cycle(c.ActionCycle, true))
	}
	if len(p.Letters.Issued) > 0 {
		w("letters issued by host: %v\n", p.Letters.Issued)
	}
	return nil
}

func ci(v float64, i measure.Interval, prec int) string {
	return fmt.Sprintf("%.*f (%.*f-%.*f)", prec, v, prec, i.Lower, prec, i.Upper)
}

// cycle writes one cycle's column: its median and on-time/late counts
// when it has a deadline, else its median and the backlog at the period's
// end (open_at_end: whatever started before the period and is still open
// counts too, so a backlog does not vanish from the next period's report).
func cycle(c measure.Cycle, deadline bool) string {
	if c.Count == 0 || c.MedianDays == nil {
		if deadline && c.Late > 0 { // an action never done is late with no duration
			return fmt.Sprintf("- (%d/%d)", c.OnTime, c.Late)
		}
		if c.OpenAtEnd > 0 {
			return fmt.Sprintf("- (%d open)", c.OpenAtEnd)
		}
		return "-"
	}
	if deadline {
		return fmt.Sprintf("median %.0f (%d/%d)", *c.MedianDays, c.OnTime, c.Late)
	}
	return fmt.Sprintf("median %.0f (%d open)", *c.MedianDays, c.OpenAtEnd)
}

// runSynth writes SYNTHETIC example data (see package measure/synth).
func runSynth(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("synth", stderr)
	seed := fl.Uint64("seed", 1, "random seed: the same seed writes the same files")
	holders := fl.Int("holders", 10000, "employers with a COR or SECOR")
	others := fl.Int("others", 40000, "employers without")
	first := fl.Int("first-year", 2022, "first snapshot year")
	years := fl.Int("years", 3, "number of snapshot years")
	out := fl.String("out", "./corfed-synthetic", "directory for holders.csv (corfed import) and snapshots.csv (corfed snapshots import)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *holders < 1 || *others < 1 || *years < 1 || *holders+*others > 1_000_000 {
		fmt.Fprintln(stderr, "corfed synth: --holders and --others from 1 (together at most 1,000,000), --years at least 1")
		return errUsage
	}
	d := synth.Generate(synth.Config{Seed: *seed, Holders: *holders, Others: *others, FirstYear: *first, Years: *years})
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{"holders.csv", d.WriteHolders}, {"snapshots.csv", d.WriteSnapshots}} {
		file, err := os.Create(filepath.Join(*out, f.name))
		if err != nil {
			return err
		}
		if err := f.write(file); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "SYNTHETIC data (seed %d, not real): %d COR/SECOR holders in %s, %d employers x %d years of snapshots in %s\n",
		*seed, *holders, filepath.Join(*out, "holders.csv"), *holders+*others, *years, filepath.Join(*out, "snapshots.csv"))
	return nil
}
