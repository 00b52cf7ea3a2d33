package node_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// wantMaintenance is the maintenance list on or before before as each
// live certificate's own program view says (CertificateProgram: the
// years not done), sorted as the list is: "due certificate year overdue".
func wantMaintenance(t *testing.T, n *nodetest.Node, before registry.Date) []string {
	t.Helper()
	ctx := context.Background()
	es, err := n.All(ctx, registry.KindCertificate)
	if err != nil {
		t.Fatal(err)
	}
	today := n.Today()
	var want []string
	for _, e := range es {
		var c registry.Certificate
		if err := registry.DecodeRecord(e.Record, &c); err != nil {
			t.Fatal(err)
		}
		if registry.Terminal(c.Status) {
			continue
		}
		p, err := n.CertificateProgram(ctx, c, today)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Maintenance {
			if s.State != node.MaintenanceDone && !s.DueOn.After(before) {
				want = append(want, fmt.Sprintf("%s %s %d %v", s.DueOn, c.ID, s.Year, s.State == node.MaintenanceOverdue))
			}
		}
	}
	slices.Sort(want)
	return want
}

// gotMaintenance reads every page of the maintenance list (limit 3),
// checking that each page's total is exact and the same.
func gotMaintenance(t *testing.T, n *nodetest.Node, before registry.Date) []string {
	t.Helper()
	var got []string
	total := -1
	for cur := ""; ; {
		p, err := n.MaintenancePage(context.Background(), before, 3, cur)
		if err != nil {
			t.Fatal(err)
		}
		if !p.TotalExact || (total >= 0 && p.Total != total) {
			t.Fatalf("page after %q: total %d (exact %v), first page's %d", cur, p.Total, p.TotalExact, total)
		}
		total = p.Total
		for _, m := range p.Items {
			got = append(got, fmt.Sprintf("%s %s %d %v", m.DueOn, m.Certificate, m.Year, m.Overdue))
		}
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if len(got) != total {
		t.Errorf("pages gave %d items, total %d", len(got), total)
	}
	return got
}

// The maintenance list covers every live certificate (not the first
// LifecycleBatch of them) and follows the feed: a passing maintenance
// audit takes its year off, a certificate created adds its years, one
// cancelled takes them off, a program definition written builds it
// again, steps of one entry follow the feed alike; each time it is what each certificate's own
// program view says.
func TestMaintenanceListFollowsTheFeed(t *testing.T) {
	ctx := context.Background()
	defer func(old int) { node.LifecycleBatch = old }(node.LifecycleBatch)
	node.LifecycleBatch = 7
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	far := registry.MustDate("2035-12-31")
	check := func(step string) []string {
		t.Helper()
		for _, before := range []registry.Date{far, n.Today()} {
			want, got := wantMaintenance(t, n, before), gotMaintenance(t, n, before)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, due on or before %s: list\n%s\nwant\n%s", step, before, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		return wantMaintenance(t, n, far)
	}
	seeded := check("seeded")
	if len(seeded) == 0 {
		t.Fatal("fixture: no maintenance due in the seed")
	}
	v, err := n.Certificate(ctx, strings.Fields(seeded[0])[1], registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	c := v.Certificate
	// Thirty certificates on copies of its audit (issued on its last
	// on-site day): more than four batches.
	for i := range 30 {
		if _, err := n.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: c.Issuer, Number: fmt.Sprintf("MT-%02d", i), Program: c.Program,
			EmployerBN: c.EmployerBN, Basis: c.Basis, BasisRef: auditCopy(t, n, c.BasisRef, fmt.Sprintf("MT-%02d", i)), IssuedOn: c.IssuedOn, DocMonths: c.DocMonths}); err != nil {
			t.Fatal(err)
		}
	}
	all := check("30 certificates created")
	if len(all) < 30+len(seeded) {
		t.Fatalf("%d items after 30 certificates, %d before", len(all), len(seeded))
	}

	// A passing maintenance audit for the year of MT-05 due first.
	id := registry.CertificateID(c.Issuer, "MT-05")
	p, err := n.CertificateProgram(ctx, mustCert(t, n, id), registry.Date{})
	if err != nil || p.Audit == nil || len(p.Maintenance) == 0 {
		t.Fatalf("MT-05's program view: %+v %v", p, err)
	}
	s := p.Maintenance[0]
	a := registry.Audit{EmployerBN: c.EmployerBN, CP: c.Issuer, Type: registry.AuditMaintenance, Program: p.Audit.Program, Auditors: p.Audit.Auditors,
		Certificate: id, OnsiteStart: s.WindowFrom.AddDays(10), OnsiteEnd: s.WindowFrom.AddDays(10), SubmittedOn: s.WindowFrom.AddDays(12), Overall: 100,
		Elements: p.Audit.Elements}
	if _, err := n.RecordAudit(ctx, admin, a); err != nil {
		t.Fatal(err)
	}
	if after := check("maintenance audit recorded"); len(after) != len(all)-1 {
		t.Errorf("%d items after the audit, %d before; want one fewer", len(after), len(all))
	}

	if _, err := n.ChangeStatus(ctx, admin, registry.CertificateID(c.Issuer, "MT-20"), node.StatusRequest{Action: "cancel", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	check("MT-20 cancelled")

	// Read a step of one entry at a time, the feed is followed alike.
	restore := node.SetMaintenanceStep(1)
	for i := range 3 {
		if _, err := n.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: c.Issuer, Number: fmt.Sprintf("MT-N%d", i), Program: c.Program,
			EmployerBN: c.EmployerBN, Basis: c.Basis, BasisRef: auditCopy(t, n, c.BasisRef, fmt.Sprintf("MT-N%d", i)), IssuedOn: c.IssuedOn, DocMonths: c.DocMonths}); err != nil {
			t.Fatal(err)
		}
	}
	check("three more, one entry a step")
	restore()

	// A program whose maintenance is due two months later moves every
	// year of its certificates.
	prog := mustProgram(t, n, p.Audit.Program)
	prog.MaintenanceDueMonths = slices.Clone(prog.MaintenanceDueMonths) // a default program's are shared
	for i := range prog.MaintenanceDueMonths {
		prog.MaintenanceDueMonths[i] += 2
	}
	if _, err := n.PublishProgram(ctx, admin, prog); err != nil {
		t.Fatal(err)
	}
	if moved := check("program published"); slices.Equal(moved, all) {
		t.Error("the program's new due dates moved no item")
	}

	// The lifecycle cancels the overdue ones.
	if _, err := n.RunLifecycle(ctx, admin, false); err != nil {
		t.Fatal(err)
	}
	check("lifecycle run")
}

func mustCert(t testing.TB, n *nodetest.Node, id string) registry.Certificate {
	t.Helper()
	v, err := n.Certificate(context.Background(), id, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	return v.Certificate
}

func mustProgram(t *testing.T, n *nodetest.Node, id string) registry.Program {
	t.Helper()
	ps, err := n.Programs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no program %s", id)
	return registry.Program{}
}

// BenchmarkMaintenancePage answers the first page (100 items) of the
// maintenance list of a node with 5,000 live certificates whose audits
// it records (imported, each on a copy of the seeded certification
// audit), after each of writes certificate writes: 0 (the list is
// current: a binary search), or 1 (the list reads the entry and computes
// that certificate again). build-ms is the first page's time (the list
// built from every live certificate), what a node's worker (not a
// request) spends at start.
func BenchmarkMaintenancePage(b *testing.B) {
	ctx := context.Background()
	n := nodetest.New(b, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	due, err := n.MaintenanceDue(ctx, registry.MustDate("2035-12-31"), 1)
	if err != nil || len(due) == 0 {
		b.Fatalf("seeded maintenance: %v %v", due, err)
	}
	c := mustCert(b, n, due[0].Certificate)
	const certs = 5_000
	rows := make([]node.ImportRow, certs)
	for i := range rows {
		rows[i] = node.ImportRow{Row: i + 1, EmployerBN: c.EmployerBN, LegalName: "Maintenance Bench Ltd", CP: c.Issuer, Number: fmt.Sprintf("MB-%05d", i), Program: c.Program,
			IssuedOn: c.IssuedOn, DocMonths: c.DocMonths, BasisRef: auditCopy(b, n, c.BasisRef, fmt.Sprintf("MB-%05d", i)), Status: registry.StatusActive,
			Has: map[string]bool{"basis_ref": true}}
	}
	if rep, err := n.Import(ctx, admin, rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		b.Fatalf("import: %v %+v", err, rep.Problems[:min(3, len(rep.Problems))])
	}
	far := registry.MustDate("2035-12-31")
	node.DropMaintenance(n.Node) // built from every live certificate, not followed through the audits and the import
	t0 := time.Now()
	first, err := n.MaintenancePage(ctx, far, 100, "")
	if err != nil || first.Total < certs {
		b.Fatalf("first page: total %d, %v", first.Total, err)
	}
	build := time.Since(t0)
	for _, writes := range []int{0, 1} {
		b.Run(fmt.Sprintf("writes=%d", writes), func(b *testing.B) {
			i := 0
			for b.Loop() {
				if writes > 0 {
					b.StopTimer()
					i++
					if _, err := n.ChangeStatus(ctx, admin, registry.CertificateID(c.Issuer, fmt.Sprintf("MB-%05d", i)),
						node.StatusRequest{Action: "suspend", Reason: "bench"}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				p, err := n.MaintenancePage(ctx, far, 100, "")
				if err != nil || len(p.Items) != 100 {
					b.Fatalf("page: %d items, %v", len(p.Items), err)
				}
			}
			b.ReportMetric(float64(build.Microseconds())/1000, "build-ms")
		})
	}
}

// auditCopy records, as the administrator, a copy of audit ref under the
// id ref-suffix and returns that id: a certificate's twin with the same
// dates needs an audit of its own, as an audit backs one certificate.
func auditCopy(t testing.TB, n *nodetest.Node, ref, suffix string) string {
	t.Helper()
	a, _, err := n.Audit(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	a.ID = ref + "-" + suffix
	e, err := n.RecordAudit(context.Background(), nodetest.Admin(), a)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}
