package federation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// workNode is a seeded node with 40 more certificates, issued ten days
// apart from 2025-01-15 for 36 months, every fifth one pending until
// 2027-02-01.
func workNode(t *testing.T) *nodetest.Node {
	t.Helper()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	var rows []node.ImportRow
	for i := range 40 {
		r := node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("Work %d Ltd", i), CP: "ACSA",
			Number: fmt.Sprintf("WK%03d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2025-01-15").AddDays(10 * i),
			TermMonths: 36, Status: registry.StatusActive}
		if i%5 == 4 {
			r.IssuedOn, r.Status = registry.MustDate("2027-02-01"), registry.StatusPending
		}
		rows = append(rows, r)
	}
	if rep, err := n.Import(t.Context(), nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	return n
}

// certsNow returns every certificate's newest version.
func certsNow(t *testing.T, n *nodetest.Node) []registry.Certificate {
	t.Helper()
	var out []registry.Certificate
	if err := n.Each(t.Context(), registry.KindCertificate, func(e registry.Entry) error {
		c, err := node.Decode[registry.Certificate](e)
		out = append(out, c)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// changingBetween counts the certificates whose status may change by the
// date alone on a day after from up to to: issued, a dated change taking
// effect, or the day after expiry.
func changingBetween(cs []registry.Certificate, from, to registry.Date) int {
	k := 0
	in := func(d registry.Date) bool { return !d.IsZero() && d.After(from) && !d.After(to) }
	for _, c := range cs {
		hit := in(c.IssuedOn) || !c.ExpiresOn.IsZero() && in(c.ExpiresOn.AddDays(1))
		for _, h := range c.History {
			hit = hit || in(h.On)
		}
		if hit {
			k++
		}
	}
	return k
}

// checkList verifies the signed list says of every certificate its status
// today.
func checkList(t *testing.T, n *nodetest.Node, ps *federation.Passes, step string) {
	t.Helper()
	ctx := t.Context()
	tok, _, err := ps.StatusList(ctx)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	sl, err := statuslist.Verify(n.Keys.PublicSet(), tok, "CA-AB", ps.StatusListURL())
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	today := n.Today()
	for _, c := range certsNow(t, n) {
		var idx uint64
		var ok bool
		if err := n.View(ctx, func(s node.Snapshot) (err error) {
			idx, ok, err = node.StatusIndexIn(s.Self(), c.ID)
			return err
		}); err != nil || !ok {
			t.Fatalf("%s: %s has no index (%v)", step, c.ID, err)
		}
		want := node.StatusOnDate(c, today)
		if got, _ := sl.List.Get(idx); got != statuslist.Of(want) {
			t.Errorf("%s: %s is %s on %s, the list says %s", step, c.ID, want, today, statuslist.Name(got))
		}
	}
}

// TestStatusListReadsOnlyWhatChanged counts the certificate versions the
// status list decodes: every one once when built, then only those the
// log gained, and on a new day only the certificates whose status changes
// by the date (issue, a dated change, expiry): none on a day without one,
// not every certificate.
func TestStatusListReadsOnlyWhatChanged(t *testing.T) {
	start := nodetest.Now
	t.Cleanup(func() { nodetest.Now = start })
	ctx := context.Background()
	n, fed := workFederation(t)
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example"})
	versions := uint64(0)
	if err := n.View(ctx, func(s node.Snapshot) error {
		es, err := s.Self().Entries(0, registry.MaxScan)
		for _, e := range es {
			if e.Kind == registry.KindCertificate {
				versions++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	certs := len(certsNow(t, n))
	checkList(t, n, ps, "built")
	if got := ps.StatusReads(); got != versions {
		t.Errorf("built: %d certificate versions read, want each of the log's %d once", got, versions)
	}
	step := func(name string, want uint64, do func()) {
		t.Helper()
		before := ps.StatusReads()
		do()
		checkList(t, n, ps, name)
		if got := ps.StatusReads() - before; got != want {
			t.Errorf("%s: %d certificate versions read, want %d (of %d certificates)", name, got, want, certs)
		}
	}
	step("nothing new", 0, func() {})
	step("one suspended", 1, func() {
		if _, err := n.ChangeStatus(ctx, nodetest.Admin(), registry.CertificateID("ACSA", "WK001"),
			node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	})
	// Days ahead: each time, only the certificates whose status may change.
	for _, months := range []int{0, 1, 3, 12, 26, 36} {
		from := n.Today()
		to := registry.DateOf(start.AddDate(0, months, 1))
		if months == 0 {
			// The next day on which no certificate changes, if any.
			to = from.AddDays(1)
			for changingBetween(certsNow(t, n), from, to) > 0 && to.Before(from.AddDays(30)) {
				from, to = to, to.AddDays(1)
			}
			nodetest.Now = to.Time().Add(-12 * 3600e9) // read the day before
			checkList(t, n, ps, "the day before a quiet day")
			from = n.Today()
		}
		want := changingBetween(certsNow(t, n), from, to)
		if want >= certs {
			t.Fatalf("%s to %s: every certificate changes; the test needs some that do not", from, to)
		}
		t.Logf("%s to %s: %d of %d certificates may change", from, to, want, certs)
		step(fmt.Sprintf("%s to %s", from, to), uint64(want), func() { nodetest.Now = to.Time().Add(12 * 3600e9) })
	}
}

// TestStatusListBuiltInTheBackground: with PassConfig.Background, a
// request before the list is built is told so (ErrStatusListBuilding, a
// registry.ErrUnavailable) at once rather than waiting while every
// certificate is read; Build makes it, and requests then read nothing but
// what changed.
func TestStatusListBuiltInTheBackground(t *testing.T) {
	federation.SetBuildGrace(t, 0)
	ctx := t.Context()
	n, fed := workFederation(t)
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	if _, _, err := ps.StatusList(ctx); !errors.Is(err, federation.ErrStatusListBuilding) || !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("before the build: %v; want ErrStatusListBuilding", err)
	}
	if got := ps.StatusReads(); got != 0 {
		t.Errorf("a request read %d certificates", got)
	}
	if err := ps.Build(ctx); err != nil {
		t.Fatal(err)
	}
	built := ps.StatusReads()
	if built == 0 {
		t.Fatal("Build read nothing")
	}
	checkList(t, n, ps, "built")
	if got := ps.StatusReads(); got != built {
		t.Errorf("a request after the build read %d certificates", got-built)
	}
	if _, _, err := ps.Issue(ctx, registry.CertificateID("ACSA", "WK000")); err != nil {
		t.Errorf("a pass after the build: %v", err)
	}
	if err := ps.Build(ctx); err != nil || ps.StatusReads() != built {
		t.Errorf("a second Build: %v, read %d more; want nothing", err, ps.StatusReads()-built)
	}
}

// TestStatusListStateSurvivesARestart: the background builder saves the
// list's state in the node's store; after a restart (new Passes over the
// same node) it reads only the entries appended since the save, and on a
// new day only the certificates due that day, and the list is still every
// certificate's status.
func TestStatusListStateSurvivesARestart(t *testing.T) {
	start := nodetest.Now
	t.Cleanup(func() { nodetest.Now = start })
	federation.SetBuildGrace(t, 0)
	ctx := t.Context()
	n, fed := workFederation(t)
	started := func() *federation.Passes {
		ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
		if err := ps.Build(ctx); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	first := started()
	if first.StatusReads() == 0 {
		t.Fatal("the first build read nothing")
	}
	checkList(t, n, first, "first start")

	if _, err := n.ChangeStatus(ctx, nodetest.Admin(), registry.CertificateID("ACSA", "WK002"),
		node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	second := started()
	if got := second.StatusReads(); got != 1 {
		t.Errorf("after a restart: %d certificate versions read, want 1 (the one written since the save)", got)
	}
	checkList(t, n, second, "second start")

	from := n.Today()
	to := registry.DateOf(start.AddDate(2, 3, 0))
	want := changingBetween(certsNow(t, n), from, to)
	nodetest.Now = to.Time().Add(12 * time.Hour)
	third := started()
	if got := third.StatusReads(); got != uint64(want) || want == 0 {
		t.Errorf("a restart %s to %s: %d certificate versions read, want %d (those due)", from, to, got, want)
	}
	checkList(t, n, third, "third start, days later")
}

// TestStatusListStateUnusable: a saved state that cannot be read (another
// version, cut short) is not used: the list is built from the whole log.
func TestStatusListStateUnusable(t *testing.T) {
	federation.SetBuildGrace(t, 0)
	ctx := t.Context()
	n, fed := workFederation(t)
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	if err := ps.Build(ctx); err != nil {
		t.Fatal(err)
	}
	all := ps.StatusReads()
	good, err := n.StatusListState(ctx)
	if err != nil || len(good) < 20 {
		t.Fatalf("saved state: %d bytes, %v", len(good), err)
	}
	for name, b := range map[string][]byte{"other version": append([]byte{99}, good[1:]...), "cut short": good[:len(good)-3],
		"trailing bytes": append(append([]byte(nil), good...), 0)} {
		if err := n.SaveStatusListState(ctx, b); err != nil {
			t.Fatal(err)
		}
		ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
		if err := ps.Build(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := ps.StatusReads(); got != all {
			t.Errorf("%s: %d certificate versions read, want all %d", name, got, all)
		}
		checkList(t, n, ps, name)
	}
}

// workFederation is workNode with its federation.
func workFederation(t *testing.T) (*nodetest.Node, *federation.Federation) {
	t.Helper()
	n := workNode(t)
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	return n, fed
}

// TestStatusListSavedAsKeepStops: the keeper saves the list's state as it
// stops, so a restart reads nothing appended before the stop, though the
// last periodic save was before the writes.
func TestStatusListSavedAsKeepStops(t *testing.T) {
	federation.SetBuildGrace(t, 0)
	n, fed := workFederation(t)
	ctx, cancel := context.WithCancel(t.Context())
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	done := make(chan struct{})
	go func() { defer close(done); ps.Keep(ctx, time.Hour, func(err error) { t.Errorf("keep: %v", err) }) }()
	for !ps.Asked() {
		time.Sleep(time.Millisecond) // the first build; go test's -timeout bounds the wait
	}
	if _, err := n.ChangeStatus(t.Context(), nodetest.Admin(), registry.CertificateID("ACSA", "WK003"),
		node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ps.StatusList(t.Context()); err != nil { // reads the suspension in
		t.Fatal(err)
	}
	cancel()
	<-done
	again := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	if err := again.Build(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := again.StatusReads(); got != 0 {
		t.Errorf("after a stop and a start: %d certificate versions read, want 0 (saved as the keeper stopped)", got)
	}
	checkList(t, n, again, "after the stop")
}

// TestStatusListFollowsCommits: the keeper reads each commit's entries as
// it comes, not a minute's at once: with an hour between signings, three
// status changes are read before anyone asks for the list, and the list
// then signed holds them without reading them again.
func TestStatusListFollowsCommits(t *testing.T) {
	federation.SetBuildGrace(t, 0)
	n, fed := workFederation(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
	done := make(chan struct{})
	go func() { defer close(done); ps.Keep(ctx, time.Hour, func(err error) { t.Errorf("keep: %v", err) }) }()
	defer func() { cancel(); <-done }()
	for !ps.Asked() {
		time.Sleep(time.Millisecond) // the first build; go test's -timeout bounds the wait
	}
	built := ps.StatusReads()
	for _, id := range []string{"WK001", "WK002", "WK003"} {
		if _, err := n.ChangeStatus(t.Context(), nodetest.Admin(), registry.CertificateID("ACSA", id),
			node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	for ps.StatusReads() < built+3 {
		time.Sleep(time.Millisecond) // the keeper's follow; go test's -timeout bounds the wait
	}
	checkList(t, n, ps, "followed")
	if got := ps.StatusReads() - built; got != 3 {
		t.Errorf("%d certificate versions read for three changes, want 3 (read once, as they were committed)", got)
	}
}
