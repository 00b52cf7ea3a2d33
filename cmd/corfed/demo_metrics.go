package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/ingest"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/synth"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// demoMeasure opens the demo node's snapshot file and returns its
// measurement operations (and remembers the service for demoMetrics).
func demoMeasure(dir string, d *demoNode) ([]openapi.Extension, func() error, error) {
	ops, svc, closeFn, err := measureOps(filepath.Join(dir, string(d.j)), service.Config{Node: d.n, Federation: d.fed}, false)
	if err != nil {
		return nil, nil, err
	}
	d.svc = svc
	return []openapi.Extension{ops}, closeFn, nil
}

// demoYear is the year of the demo's SYNTHETIC snapshots.
const demoYear = 2024

// demoMetrics gives Alberta's node SYNTHETIC example data (measure/synth,
// seed 1: 300 COR holders, 1,200 others) the first time, publishes its
// signed aggregate, lets BC follow it, and prints the comparison.
func demoMetrics(ctx context.Context, w io.Writer, byJ map[registry.Jurisdiction]*demoNode) {
	ab, bc := byJ["CA-AB"], byJ["CA-BC"]
	if ab == nil || ab.svc == nil {
		return
	}
	fail := func(err error) { fmt.Fprintf(w, "metrics: error: %v\n", err) }
	admin := node.Principal{Subject: "demo-admin", Role: node.RoleAdmin, Scopes: node.AllScopes}
	if ys, err := ab.svc.Years(ctx); err != nil {
		fail(err)
		return
	} else if len(ys) == 0 {
		data := synth.Generate(synth.Config{Seed: 1, Holders: 300, Others: 1200, FirstYear: demoYear, Years: 1})
		for _, e := range data.Employers {
			if !e.Holder {
				continue
			}
			emp := registry.Employer{BN: e.BN, LegalName: "SYNTHETIC Employer " + e.Account,
				WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: e.Account, IndustryCodes: []string{e.Industry}}}}
			if _, err := ab.n.PutEmployer(ctx, admin, emp, true); err != nil {
				fail(err)
				return
			}
			if _, err := ab.n.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: e.CP, Number: e.Number, Program: e.Program,
				EmployerBN: e.BN, WCBAccounts: []string{e.Account}, IssuedOn: e.IssuedOn}); err != nil {
				fail(err)
				return
			}
		}
		var buf bytes.Buffer
		if err := data.WriteSnapshots(&buf); err != nil {
			fail(err)
			return
		}
		res, err := ingest.ReadCSV(&buf, ingest.Options{})
		if err == nil {
			err = res.Err()
		}
		if err == nil {
			_, err = ab.svc.Import(ctx, admin, res.Rows, 2)
		}
		if err != nil {
			fail(err)
			return
		}
	}
	r, err := ab.svc.OHS(ctx, measure.Query{Year: demoYear})
	if err != nil {
		fail(err)
		return
	}
	line := func(name string, g measure.Group) string {
		if g.Figures == nil {
			return name + " suppressed"
		}
		f := g.Figures
		return fmt.Sprintf("%s %d employers, %.0f person-years, LTC rate %.2f (%.2f-%.2f), DIR %.2f", name, f.Employers, f.PersonYears,
			f.LTCRate, f.LTCRateCI.Lower, f.LTCRateCI.Upper, f.DIR)
	}
	fmt.Fprintf(w, "metrics CA-AB %d (SYNTHETIC data, not real): %s; %s\n", demoYear, line("COR", r.Groups.COR), line("non-COR", r.Groups.NonCOR))
	if rr := r.Ratios; rr != nil && rr.LTCRate != nil {
		fmt.Fprintf(w, "  LTC rate ratio COR/non-COR %.2f (95%% CI %.2f-%.2f)\n", rr.LTCRate.Ratio, rr.LTCRate.Interval.Lower, rr.LTCRate.Interval.Upper)
	}
	fmt.Fprintf(w, "  curl '%s/v1/metrics/ohs?year=%d&group_by=program'   chart: %s/v1/metrics/ohs.svg?year=%d&group_by=industry\n", ab.url, demoYear, ab.url, demoYear)
	if _, err := ab.svc.Publish(ctx, admin, demoYear, service.PublishOptions{}); err != nil {
		fail(err)
		return
	}
	if bc == nil || bc.svc == nil {
		return
	}
	if _, err := bc.fed.Sync(ctx, "CA-AB"); err != nil {
		fail(err)
		return
	}
	nat, err := bc.svc.National(ctx, demoYear)
	if err != nil {
		fail(err)
		return
	}
	for _, p := range nat.Provinces {
		if p.Status == "verified" {
			fmt.Fprintf(w, "national %d (asked CA-BC): %s figures %s, signed by key %s (seq %d, snapshot generation %d)\n",
				demoYear, p.Jurisdiction, p.Status, p.Signed.KID, p.Signed.Seq, p.Snapshot.Generation)
		}
	}
	fmt.Fprintf(w, "  curl '%s/v1/federation/metrics?year=%d'\n", bc.url, demoYear)
}
