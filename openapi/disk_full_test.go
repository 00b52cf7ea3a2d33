package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestWriteOnAFullDisk (review s28-o, M1): a write whose commit fails for
// lack of space (ENOSPC, EDQUOT) stored nothing and may be sent again: it
// is a 503 problem with Retry-After saying the disk is full, in the
// language asked, not a 500; reads go on, and the node stays ready (a
// province's verification site keeps answering). Once the commit
// succeeds again, the same write is stored.
func TestWriteOnAFullDisk(t *testing.T) {
	st := memstore.New()
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Store: st})
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		st.SetFaults(memstore.Faults{Commit: func([]string) error { return fmt.Errorf("write corfed.db: %w", errno) }})
		for _, lang := range []string{"en", "fr"} {
			code, h, b := f.ask(t, "POST", "/v1/employers", "admin", "application/json", `{"bn":"`+newBN+`","legal_name":"Disk Full Ltd."}`, lang)
			var p struct {
				Errors []struct{ Message string }
			}
			_ = json.Unmarshal(b, &p)
			want := "disk is full"
			if lang == "fr" {
				want = "disque du nœud est plein"
			}
			if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
				t.Errorf("%v %s: %d Retry-After %q %s; want 503 with Retry-After saying %q", errno, lang, code, h.Get("Retry-After"), b, want)
			}
		}
		if code, _, b := f.do(t, "GET", "/v1/employers/"+newBN, "", ""); code != http.StatusNotFound {
			t.Errorf("%v: the refused write was stored: %d %s", errno, code, b)
		}
		if code, _, b := f.do(t, "GET", "/readyz", "", ""); code != http.StatusOK {
			t.Errorf("%v: GET /readyz %d %s; want ready (reads go on)", errno, code, b)
		}
	}
	st.SetFaults(memstore.Faults{})
	if code, _, b := f.do(t, "POST", "/v1/employers", "admin", `{"bn":"`+newBN+`","legal_name":"Disk Full Ltd."}`); code != http.StatusCreated {
		t.Errorf("after room was made: %d %s", code, b)
	}
}

// TestImportOnAFullDisk (session 33: a node grown through POST
// /v1/imports ran out of disk and answered 422 "Invalid import file"
// blaming every row twice): a full disk is the node's failure, not the
// file's. It is one 503 problem with Retry-After saying so, in the
// language asked: "nothing was stored" when nothing was, else how many
// records the import wrote before it stopped. Importing the same file
// again once there is room resumes it: the records written are
// unchanged, the rest are created, none twice.
func TestImportOnAFullDisk(t *testing.T) {
	st := memstore.New()
	f := newFixtureWith(t, nodetest.Options{Seed: true, Rules: true, Store: st})
	type problem struct {
		Errors []struct{ Message string }
	}
	full := func(int) error { return fmt.Errorf("write corfed.db: %w", syscall.ENOSPC) }
	t.Run("nothing written", func(t *testing.T) {
		body := importCSV(61_000_000, 3)
		st.SetFaults(memstore.Faults{Commit: func([]string) error { return full(0) }})
		defer st.SetFaults(memstore.Faults{})
		for lang, want := range map[string]string{"en": "disk is full: nothing was stored", "fr": "disque du nœud est plein : rien n'a été enregistré"} {
			code, h, b := f.ask(t, "POST", "/v1/imports?format=csv", "acsa", "text/csv", body, lang)
			var p problem
			_ = json.Unmarshal(b, &p)
			if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
				t.Errorf("%s: %d Retry-After %q %s; want one 503 problem with Retry-After saying %q", lang, code, h.Get("Retry-After"), b, want)
			}
		}
		bn := strings.SplitN(strings.Split(body, "\n")[1], ",", 2)[0]
		if code, _, b := f.do(t, "GET", "/v1/employers/"+bn, "", ""); code != http.StatusNotFound {
			t.Errorf("the refused import stored its first employer: %d %s", code, b)
		}
	})
	t.Run("stopped part way", func(t *testing.T) {
		const rows = 2500 // 5,000 writes: several commits of at most 1,000
		body := importCSV(62_000_000, rows)
		var commits atomic.Int32
		st.SetFaults(memstore.Faults{Commit: func([]string) error {
			if commits.Add(1) > 1 {
				return full(0)
			}
			return nil
		}})
		code, h, b := f.ask(t, "POST", "/v1/imports?format=csv", "acsa", "text/csv", body, "en")
		st.SetFaults(memstore.Faults{})
		var p struct {
			problem
			Report struct{ Employers, Certificates struct{ Created int } }
		}
		_ = json.Unmarshal(b, &p)
		var written int
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(p.Errors) != 1 {
			t.Fatalf("%d Retry-After %q %s; want one 503 problem with Retry-After", code, h.Get("Retry-After"), b)
		}
		if _, err := fmt.Sscanf(p.Errors[0].Message, "the node's disk is full: the import stopped after writing %d records", &written); err != nil || written <= 0 || written >= 2*rows {
			t.Fatalf("message %q: want the records written before the disk filled (%v)", p.Errors[0].Message, err)
		}
		if r := p.Report; r.Employers.Created+r.Certificates.Created != written {
			t.Errorf("report %+v: want the %d records written", r, written)
		}
		// In French too.
		commits.Store(0)
		st.SetFaults(memstore.Faults{Commit: func([]string) error {
			if commits.Add(1) > 1 {
				return full(0)
			}
			return nil
		}})
		code, h, b = f.ask(t, "POST", "/v1/imports?format=csv", "acsa", "text/csv", importCSV(64_000_000, rows), "fr")
		st.SetFaults(memstore.Faults{})
		var fr struct {
			Title, Detail string
			problem
		}
		_ = json.Unmarshal(b, &fr)
		if code != http.StatusServiceUnavailable || h.Get("Content-Language") != "fr" || fr.Title != "Indisponible" || strings.Contains(fr.Detail, "The node") ||
			len(fr.Errors) != 1 || !strings.Contains(fr.Errors[0].Message, "l'importation s'est arrêtée après avoir écrit") {
			t.Errorf("fr: %d Content-Language %q %s; want the 503 in French", code, h.Get("Content-Language"), b)
		}
		// A write failing otherwise (a failed sync) stops it alike; the
		// batch that failed may be stored too: "at least".
		commits.Store(0)
		st.SetFaults(memstore.Faults{Commit: func([]string) error {
			if commits.Add(1) > 1 {
				return errors.New("fdatasync corfed.db: input/output error")
			}
			return nil
		}})
		code, h, b = f.ask(t, "POST", "/v1/imports?format=csv", "acsa", "text/csv", importCSV(65_000_000, rows), "en")
		st.SetFaults(memstore.Faults{})
		var io struct {
			problem
			Report struct{ Employers, Certificates struct{ Created int } }
		}
		_ = json.Unmarshal(b, &io)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || len(io.Errors) != 1 ||
			!strings.Contains(io.Errors[0].Message, "the node failed to write (its log says why): the import stopped after writing at least") ||
			strings.Contains(string(b), "input/output") || io.Report.Employers.Created+io.Report.Certificates.Created == 0 {
			t.Errorf("a failed write: %d Retry-After %q %s; want a 503 with the report, saying at least what was written, not the store's error", code, h.Get("Retry-After"), b)
		}
		// As `corfed import --url` reads it: an error, and what was written.
		commits.Store(0)
		more := importCSV(63_000_000, rows)
		st.SetFaults(memstore.Faults{Commit: func([]string) error {
			if commits.Add(1) > 1 {
				return full(0)
			}
			return nil
		}})
		got, err := openapi.PostImport(context.Background(), http.DefaultClient, f.srv.URL, f.tok["acsa"], []byte(more), 1, false)
		st.SetFaults(memstore.Faults{})
		if err == nil || !strings.Contains(err.Error(), "the import stopped after writing") || got.Written() <= 0 || got.Written() >= 2*rows {
			t.Errorf("PostImport: %v, %d written; want the error and the records written", err, got.Written())
		}
		code, _, b = f.ask(t, "POST", "/v1/imports?format=csv", "acsa", "text/csv", body, "en")
		var rep struct {
			Employers, Certificates struct{ Created, Updated, Unchanged int }
		}
		if err := json.Unmarshal(b, &rep); code != http.StatusOK || err != nil {
			t.Fatalf("the same file again: %d %s", code, b)
		}
		e, c := rep.Employers, rep.Certificates
		if e.Updated+c.Updated != 0 || e.Unchanged+c.Unchanged != written || e.Created+c.Created != 2*rows-written || e.Created+e.Unchanged != rows {
			t.Errorf("the same file again: %+v; want the %d records written unchanged and the other %d created", rep, written, 2*rows-written)
		}
	})
}
