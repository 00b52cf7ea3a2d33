package node_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// importOnSeed imports certs active certificates like the seed's first
// certificate with maintenance due (its employer, CP, program, and a copy
// of its audit each) and returns that certificate.
func importOnSeed(t *testing.T, n *nodetest.Node, certs int) registry.Certificate {
	t.Helper()
	ctx := context.Background()
	due, err := n.MaintenanceDue(ctx, registry.MustDate("2035-12-31"), 1)
	if err != nil || len(due) == 0 {
		t.Fatalf("seeded maintenance: %v %v", due, err)
	}
	node.DropMaintenance(n.Node) // as a node starts: no list yet
	c := mustCert(t, n, due[0].Certificate)
	rows := make([]node.ImportRow, certs)
	for i := range rows {
		rows[i] = node.ImportRow{Row: i + 1, EmployerBN: c.EmployerBN, LegalName: "Maintenance Keep Ltd", CP: c.Issuer, Number: fmt.Sprintf("MK-%04d", i), Program: c.Program,
			IssuedOn: c.IssuedOn, DocMonths: c.DocMonths, BasisRef: auditCopy(t, n, c.BasisRef, fmt.Sprintf("MK-%04d", i)), Status: registry.StatusActive,
			Has: map[string]bool{"basis_ref": true}}
	}
	if rep, err := n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems[:min(3, len(rep.Problems))])
	}
	return c
}

// waitMaintenance waits until the worker's list reflects the whole feed.
func waitMaintenance(t *testing.T, n *nodetest.Node) {
	t.Helper()
	size, err := n.Size(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for {
		if at, ok := node.MaintenanceAt(n.Node); ok && at >= size {
			return
		}
		time.Sleep(time.Millisecond) // the worker's turn; go test's -timeout bounds the wait
	}
}

// building checks that a request is refused while the list is built: an
// error wrapping ErrUnavailable that asks to retry after a delay.
func building(t *testing.T, n *nodetest.Node, step string) {
	t.Helper()
	_, err := n.MaintenancePage(context.Background(), registry.MustDate("2035-12-31"), 10, "")
	var ue *registry.UnavailableError
	if !errors.Is(err, registry.ErrUnavailable) || !errors.As(err, &ue) || ue.RetryAfter <= 0 {
		t.Fatalf("%s: a request while the list is built: %v; want an UnavailableError with a retry delay", step, err)
	}
}

// A node whose maintenance list a worker keeps (corfed serve) never
// builds the list in a request: until the worker's first build is done,
// and while a program definition has it built again, a request is
// refused at once (ErrUnavailable, with a retry delay), having read
// nothing. Once built, the list follows the feed: N new entries cost N
// entries read and the certificates they change, not the registry. Each
// time the list is what each certificate's own program view says.
func TestMaintenanceListKeptByAWorker(t *testing.T) {
	defer func(old int) { node.LifecycleBatch = old }(node.LifecycleBatch)
	node.LifecycleBatch = 25
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	c := importOnSeed(t, n, 200)
	far := registry.MustDate("2035-12-31")
	check := func(step string) {
		t.Helper()
		for _, before := range []registry.Date{far, n.Today()} {
			want, got := wantMaintenance(t, n, before), gotMaintenance(t, n, before)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, due on or before %s: list\n%s\nwant\n%s", step, before, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}

	sub := func(a, b node.MaintenanceWork) node.MaintenanceWork {
		return node.MaintenanceWork{Entries: a.Entries - b.Entries, Certificates: a.Certificates - b.Certificates, Builds: a.Builds - b.Builds}
	}
	start := node.MaintenanceWorkOf(n.Node) // the seed's list, built in a request before the worker
	release, restore := node.HoldMaintenanceBuilds()
	defer restore()
	n.KeepMaintenanceList(ctx, func(err error) { t.Errorf("worker: %v", err) })
	building(t, n, "started")
	if w := sub(node.MaintenanceWorkOf(n.Node), start); w.Certificates != 0 || w.Entries != 0 {
		t.Errorf("the worker is held before its first batch, yet the list read %+v", w)
	}
	close(release)
	waitMaintenance(t, n)
	check("built by the worker")
	built := node.MaintenanceWorkOf(n.Node)
	if w := sub(built, start); w.Builds != 1 || w.Certificates < 200 {
		t.Fatalf("first build: %+v; want one build of at least 200 certificates", built)
	}

	// Three suspensions: three entries, three certificates computed
	// again, whatever the registry holds.
	size0, _ := n.Size(ctx)
	for i := range 3 {
		if _, err := n.ChangeStatus(ctx, admin, registry.CertificateID(c.Issuer, fmt.Sprintf("MK-%04d", i)), node.StatusRequest{Action: "suspend", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	waitMaintenance(t, n)
	check("three suspended")
	size1, _ := n.Size(ctx)
	w := node.MaintenanceWorkOf(n.Node)
	if d := sub(w, built); d != (node.MaintenanceWork{Entries: int64(size1 - size0), Certificates: 3}) {
		t.Errorf("following %d entries read %+v; want those entries and 3 certificates, no build", size1-size0, d)
	}

	// A program definition moves every due date: the list is built again,
	// in the worker, and requests are refused meanwhile.
	release, restore = node.HoldMaintenanceBuilds()
	defer restore()
	p, err := n.CertificateProgram(ctx, c, registry.Date{})
	if err != nil || p.Audit == nil {
		t.Fatalf("program view: %+v %v", p, err)
	}
	prog := mustProgram(t, n, p.Audit.Program)
	prog.MaintenanceDueMonths = slices.Clone(prog.MaintenanceDueMonths)
	for i := range prog.MaintenanceDueMonths {
		prog.MaintenanceDueMonths[i] += 2
	}
	if _, err := n.PublishProgram(ctx, admin, prog); err != nil {
		t.Fatal(err)
	}
	building(t, n, "program published")
	close(release)
	waitMaintenance(t, n)
	check("built again after the program")
	if w := sub(node.MaintenanceWorkOf(n.Node), start); w.Builds != 2 {
		t.Errorf("%d builds by the worker after the program; want 2", w.Builds)
	}

	// With the worker stopped, a request reads at most one step of what
	// it has not read (what its caller just wrote), and answers as of it.
	cancel()
	<-node.MaintenanceWorkerDone(n.Node)
	defer node.SetMaintenanceStep(2)()
	at0, _ := node.MaintenanceAt(n.Node)
	before := node.MaintenanceWorkOf(n.Node)
	for i := 3; i < 8; i++ {
		if _, err := n.ChangeStatus(context.Background(), admin, registry.CertificateID(c.Issuer, fmt.Sprintf("MK-%04d", i)), node.StatusRequest{Action: "suspend", Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.MaintenancePage(context.Background(), far, 10, ""); err != nil {
		t.Fatal(err)
	}
	at1, _ := node.MaintenanceAt(n.Node)
	if after := node.MaintenanceWorkOf(n.Node); at1 != at0+2 || after.Entries-before.Entries != 2 {
		t.Errorf("a request after 5 writes moved the list from %d to %d reading %d entries; want one step of 2", at0, at1, after.Entries-before.Entries)
	}
}
