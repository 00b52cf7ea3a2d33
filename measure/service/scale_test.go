package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// The measurement model reads every certificate, however many: a node with
// more certificates than a list returns (node.MaxLimit) answers the process
// and OHS metrics over all of them (it refused with "more than the 500 a
// list returns"), and a certificate created later is counted.
func TestMetricsOverMoreCertificatesThanAList(t *testing.T) {
	ms := cluster(t, "CA-AB")
	m := ms["CA-AB"]
	count := node.MaxLimit + 100
	rows := make([]node.ImportRow, count)
	for i := range rows {
		rows[i] = node.ImportRow{Row: i + 1, EmployerBN: bnOf(i), LegalName: fmt.Sprintf("Scale %d Ltd", i), CP: "ACSA",
			Number: fmt.Sprintf("SC%05d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2024-03-01"), TermMonths: 36, Status: registry.StatusActive}
	}
	if rep, err := m.n.Import(t.Context(), nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || rep.Certificates.Created != count {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	// acsa is ACSA's process metrics for a period, over HTTP.
	acsa := func(from, to string) measure.CPProcess {
		t.Helper()
		st, b := call(t, m, "GET", "/v1/metrics/process?from="+from+"&to="+to+"&cp=ACSA", "")
		var r measure.ProcessReport
		if st != 200 || json.Unmarshal(b, &r) != nil || len(r.CPs) != 1 {
			t.Fatalf("process metrics for ACSA: %d %s", st, b)
		}
		return r.CPs[0]
	}
	issued := func() int { return acsa("2024-03-01", "2024-03-31").Issued[registry.ProgramCOR] }
	if got := issued(); got != count {
		t.Errorf("process metrics: ACSA issued %d CORs in March 2024, want %d", got, count)
	}
	if got := issued(); got != count { // the cached answer
		t.Errorf("process metrics asked again: %d, want %d", got, count)
	}

	// Snapshots of 300 holders and 100 others, in parts under the body limit.
	for part := range 4 {
		var rs []string
		for i := part * 100; i < part*100+100; i++ {
			bn := bnOf(i)
			if part == 3 {
				bn = bnOf(10000 + i)
			}
			rs = append(rs, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":12.5,"lost_time_claims":1,"disabling_injury_claims":1,"fatalities":0}`, bn))
		}
		if st, b := call(t, m, "POST", "/v1/snapshots", "["+strings.Join(rs, ",")+"]"); st != 200 {
			t.Fatalf("snapshots: %d %s", st, b)
		}
	}
	holders := func() (cor, non int) {
		st, b := call(t, m, "GET", "/v1/metrics/ohs?year=2024", "")
		if st != 200 {
			t.Fatalf("OHS metrics: %d %s", st, b)
		}
		var r measure.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Groups.COR.Figures == nil || r.Groups.NonCOR.Figures == nil {
			t.Fatalf("OHS metrics: a group suppressed: %s", b)
		}
		return r.Groups.COR.Employers, r.Groups.NonCOR.Employers
	}
	// The holders were certified on 1 March 2024: their January and
	// February are a non-holder's, so they count in both groups.
	if cor, non := holders(); cor != 300 || non != 400 {
		t.Errorf("OHS metrics 2024: %d COR holders, %d others; want 300 and 400", cor, non)
	}
	// One of the others gets a COR: the next answer counts it.
	late := []node.ImportRow{{Row: 1, EmployerBN: bnOf(10300), LegalName: "Late Ltd", CP: "ACSA", Number: "SCLATE",
		Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2024-03-02"), TermMonths: 36, Status: registry.StatusActive}}
	if _, err := m.n.Import(t.Context(), nodetest.Admin(), late, nil, node.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if cor, non := holders(); cor != 301 || non != 400 {
		t.Errorf("OHS metrics 2024 after one more COR: %d COR holders, %d others; want 301 and 400", cor, non)
	}
	if got := issued(); got != count+1 {
		t.Errorf("process metrics after one more COR: %d, want %d", got, count+1)
	}
	// A status change after the metrics read the records: the next
	// process answer counts it (read from the entries the feed gained).
	suspended := func() int { return acsa("2026-01-01", "2026-12-31").StatusChange[registry.StatusSuspended] }
	before := suspended()
	if _, err := m.n.ChangeStatus(t.Context(), nodetest.Admin(), registry.CertificateID("ACSA", "SC00007"),
		node.StatusRequest{Action: "suspend", On: m.n.Today(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := suspended(); got != before+1 {
		t.Errorf("process metrics after a suspension: %d suspensions in 2026, want %d", got, before+1)
	}
	// More snapshots (a new generation): the next answer reads them.
	var rs []string
	for i := 400; i < 500; i++ {
		rs = append(rs, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":12.5,"lost_time_claims":1,"disabling_injury_claims":1,"fatalities":0}`, bnOf(i)))
	}
	if st, b := call(t, m, "POST", "/v1/snapshots", "["+strings.Join(rs, ",")+"]"); st != 200 {
		t.Fatalf("snapshots: %d %s", st, b)
	}
	if cor, non := holders(); cor != 401 || non != 500 {
		t.Errorf("OHS metrics 2024 after 100 more holders' snapshots: %d COR holders, %d others; want 401 and 500", cor, non)
	}
	// Questions asked at once, none cached (one computes at a time): each
	// gets its own answer.
	var wg sync.WaitGroup
	groupBys := []string{"size_band", "industry", "year", "program", "cp", "size_band,industry", "size_band,year", "industry,year",
		"program,size_band", "cp,size_band", "industry,cp", "year,program"}
	codes := make([]int, len(groupBys))
	for i := range codes {
		wg.Go(func() { // not call: no t.Fatal off the test's goroutine
			resp, err := http.Get(m.srv.URL + "/v1/metrics/ohs?year=2024&group_by=" + groupBys[i])
			if err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("concurrent question %d (group_by=%s): %d", i, groupBys[i], c)
		}
	}
	// An industry no row has is refused, not computed over every row
	// (review s27-s, finding 5: any 32 characters were a new computation).
	if st, b := call(t, m, "GET", "/v1/metrics/ohs?year=2024&industry=X1&group_by=size_band", ""); st != 422 || !strings.Contains(string(b), "query.industry") {
		t.Errorf("an unknown industry: %d %s, want 422 naming query.industry", st, b)
	}
}
