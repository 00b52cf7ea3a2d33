package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/sheet"
)

// ImportProblemsError is the 422 answer to an import file with problems:
// an RFC 9457 problem whose errors name each row and column
// ("rows[3].employer_bn", row 1 being the first data row), with the whole
// report in its "report" member. Nothing was written, unless a record
// changed under the import after its check: then the rows without a
// problem were (the report's counts say what).
type ImportProblemsError struct {
	huma.ErrorModel
	Report node.ImportReport `json:"report"`
}

func importProblems(ctx context.Context, rep node.ImportReport) error {
	french := frenchOf(ctx)
	e := &ImportProblemsError{Report: rep}
	e.Status, e.Title = http.StatusUnprocessableEntity, "Invalid import file"
	e.Detail = sayf(french, "%d problems in %d rows; nothing was written", len(rep.Problems), rep.Rows)
	if rep.Partial {
		// Refused while written: a record changed under the import since
		// its check (another writer); what committed stays.
		e.Detail = sayf(french, "%d problems in %d rows; the rows without a problem were written (importing the file again once fixed resumes it)", len(rep.Problems), rep.Rows)
	}
	if french {
		// The report says its problems in the answer's language too (a
		// copy: the caller's report stays as it is).
		e.Report.Problems = slices.Clone(rep.Problems)
	}
	for i, p := range rep.Problems {
		loc := fmt.Sprintf("rows[%d].%s", p.Row, p.Column)
		if p.Row == 0 {
			loc = "header." + p.Column
		}
		msg := p.Message
		if french {
			msg = frenchMessageOf(p.Message, p.Format, p.Args)
			e.Report.Problems[i].Message = msg
		}
		e.Errors = append(e.Errors, &huma.ErrorDetail{Message: msg, Location: loc, Value: p.Value})
	}
	return e
}

// ImportStoppedProblem is the 503 answer to an import part that a
// failure of the node's own (its disk full, a failed write) stopped after
// some of its records were written: the report's counts say what was.
type ImportStoppedProblem struct {
	huma.ErrorModel
	Report node.ImportReport `json:"report"`
}

// importStopped is the 503 problem of an import part that a failure of
// the node's own stopped after some of its records were written: a full
// disk (Retry-After: once there is room), or any other failed write (a
// failed sync fail-stops the store, and /readyz says so). Its report
// counts what was written; for a failure other than a full disk the
// batch that failed may have been stored too, so it says "at least".
func (s *server) importStopped(ctx context.Context, rep node.ImportReport, se *node.ImportStoppedError) error {
	french := frenchOf(ctx)
	p := &ImportStoppedProblem{Report: rep}
	var msg string
	if diskIsFull(se) {
		s.log.LogAttrs(ctx, slog.LevelError, "disk full: an import stopped", slog.String("request_id", requestIDOf(ctx)), slog.Any("err", se))
		msg = sayf(french, "the node's disk is full: the import stopped after writing %d records; send the file again later to resume it", rep.Written())
	} else {
		s.log.LogAttrs(ctx, slog.LevelError, "an import stopped: a write failed", slog.String("request_id", requestIDOf(ctx)), slog.Any("err", se))
		msg = sayf(french, "the node failed to write (its log says why): the import stopped after writing at least %d records; send the file again once the node is ready to resume it", rep.Written())
	}
	return retryLater(&p.ErrorModel, p, msg)
}

// ImportMaxRows bounds the data rows of one POST /v1/imports call: a
// call answers within the server's write deadline (60 s, extended by
// importRowTime a row: writeDeadlines), its rows all or nothing. Measured
// on a 2-core machine shared with other work: 5,000 new employers and
// certificates commit in 0.9 to 1.3 s (about 4,000 to 5,500 rows/s), and
// at the slowest rate seen (730 rows/s, a node under load committing
// 120,000 rows in one call) in 7 s. A larger file is sent in parts, as
// `corfed import --url` does, numbered with first_row.
const ImportMaxRows = 5000

// importRowTime is the write time a row of an import is given beyond the
// server's deadline: 10 ms, a tenth of the slowest rate measured.
const importRowTime = 10 * time.Millisecond

type deadlineKey struct{}

// writeDeadlines lets a handler extend the write deadline of its own
// request once it knows how much work the request is (an import's rows):
// the server's WriteTimeout runs from the request's start and would cut
// an answer the node has committed.
func writeDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/imports" {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		extend := func(d time.Duration) {
			_ = rc.SetWriteDeadline(time.Now().Add(d)) // http.ErrNotSupported: no deadline to extend (httptest)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), deadlineKey{}, extend)))
	})
}

// extendWriteDeadline gives the request of ctx d more to write its answer,
// from now, when its server has a deadline.
func extendWriteDeadline(ctx context.Context, d time.Duration) {
	if extend, ok := ctx.Value(deadlineKey{}).(func(time.Duration)); ok {
		extend(d)
	}
}

func (s *server) registerImports(api huma.API) {
	o := bulkOp(s.writeOp("import", http.MethodPost, "/v1/imports",
		"Import a CSV or XLSX list of employers and certificates (idempotent; every problem reported by row and column)", http.StatusOK, "certificates"))
	o.Description = "The body is the file itself (text/csv, or an XLSX workbook whose first sheet is read). " +
		"Columns are listed at GET /v1/imports/columns. If any row has a problem, nothing is written and the answer is a 422 " +
		"problem naming every row and column, with the report. Importing the same rows again writes nothing; a changed row " +
		"writes a new version. A call takes at most 5,000 data rows (more is a 422 at body): send a larger file in parts of " +
		"at most 5,000 rows, each with its header row and first_row set to the number of its first data row in the whole " +
		"file, as `corfed import --url` does; each part is all or nothing, but for a failure of the node's own (its disk full, a failed write): that stops " +
		"the part, the answer is a 503 problem with Retry-After saying how many records were written before it, and sending the part again resumes it."
	huma.Register(api, o, func(ctx context.Context, in *struct {
		DryRun      bool   `query:"dry_run" doc:"Check and count, write nothing."`
		FirstRow    int    `query:"first_row" minimum:"1" maximum:"1000000000" default:"1" doc:"The number of the body's first data row in the whole file, when a client sends a file in parts."`
		Format      string `query:"format" enum:"csv,xlsx" doc:"Default: from Content-Type, else from the body."`
		ContentType string `header:"Content-Type"`
		RawBody     []byte `contentType:"text/csv"`
	}) (*bodyOut[node.ImportReport], error) {
		// The scopes first: reading a workbook costs far more than its
		// bytes, which only a caller who may import should spend.
		if err := principalOf(ctx).CanImport(); err != nil {
			return nil, s.problem(ctx, err)
		}
		// Reading a workbook can outlast the server's write deadline: the
		// answer, a refusal included, must still be given.
		extendWriteDeadline(ctx, time.Minute)
		format := in.Format
		if format == "" {
			format = sheet.FormatOf(in.ContentType, in.RawBody)
		}
		t, err := sheet.Read(in.RawBody, format)
		if re := (*sheet.RowError)(nil); errors.As(err, &re) {
			// Where a row's format stopped the reading, numbered as the
			// report numbers rows.
			loc := fmt.Sprintf("rows[%d]", max(in.FirstRow, 1)+re.Row-1)
			if re.Row == 0 {
				loc = "header"
			}
			if re.Column != "" {
				loc += "." + re.Column
			}
			return nil, fieldProblem(ctx, loc, "%v", re.Err)
		}
		if err != nil {
			if errors.Is(err, sheet.ErrFormat) {
				return nil, fieldProblem(ctx, "body", "%v", err)
			}
			return nil, s.problem(ctx, err)
		}
		if len(t.Rows) > ImportMaxRows {
			// Bounded so that the answer is always given: a call the
			// write deadline cut would have committed unseen.
			return nil, fieldProblem(ctx, "body", "at most %d data rows a call, got %d: send the file in parts with first_row, as corfed import --url does", ImportMaxRows, len(t.Rows))
		}
		extendWriteDeadline(ctx, time.Minute+time.Duration(len(t.Rows))*importRowTime)
		rows, problems, ignored := node.ParseImport(t, max(in.FirstRow, 1))
		rep, err := s.node.Import(ctx, principalOf(ctx), rows, problems, node.ImportOptions{DryRun: in.DryRun, IgnoredColumns: ignored, Encoding: t.Encoding})
		if se := (*node.ImportStoppedError)(nil); errors.As(err, &se) && se.Written > 0 {
			// Not "nothing was stored": the part's earlier writes
			// committed, and importing it again resumes it.
			return nil, s.importStopped(ctx, rep, se)
		}
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if len(rep.Problems) > 0 {
			return nil, importProblems(ctx, rep)
		}
		return &bodyOut[node.ImportReport]{rep}, nil
	})
	huma.Register(api, op("import-columns", http.MethodGet, "/v1/imports/columns", "The columns an import file may have", "certificates"),
		func(ctx context.Context, _ *struct{}) (*bodyOut[ImportColumnsOut], error) {
			return &bodyOut[ImportColumnsOut]{ImportColumnsOut{Columns: node.ImportColumns, Jurisdiction: s.node.Jurisdiction()}}, nil
		})
}

// ImportColumnsOut lists the import columns.
type ImportColumnsOut struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Columns      []node.ImportColumn   `json:"columns"`
}

// PostImport sends one part of an import file (CSV) to a node's
// POST /v1/imports, as `corfed import --url` does, and returns the node's
// report: with problems when the node refused the part (422), an error for
// any other failure, with the report of what the part wrote when the node
// stopped it part way (a 503: its disk full). A dropped connection is
// retried (the import is idempotent).
func PostImport(ctx context.Context, client *http.Client, base, token string, csvBody []byte, firstRow int, dry bool) (node.ImportReport, error) {
	url := fmt.Sprintf("%s/v1/imports?first_row=%d&dry_run=%t", base, firstRow, dry)
	var rep node.ImportReport
	status, b, err := postRetrying(ctx, client, url, token, "text/csv", csvBody)
	if err != nil {
		return rep, err
	}
	if status == http.StatusOK {
		return rep, json.Unmarshal(b, &rep)
	}
	var p struct {
		Title, Detail string
		Errors        []struct{ Message string }
		Report        *node.ImportReport `json:"report"`
	}
	_ = json.Unmarshal(b, &p)
	if p.Report != nil {
		rep = *p.Report
		if status == http.StatusUnprocessableEntity {
			return rep, nil
		}
		// Else the node stopped the part (a 503: its disk full) after
		// writing what rep counts.
	}
	msg := p.Detail
	for _, e := range p.Errors { // what the node says of its failure: a full disk, how much was written
		msg += "; " + e.Message
	}
	return rep, fmt.Errorf("%s: %d %s: %s", url, status, p.Title, msg)
}

// postRetrying POSTs body to url with the bearer token and returns the
// answer's status and body (up to 64 MiB), trying again up to three times,
// a second more each time, when the connection fails: for the bulk calls,
// which are idempotent.
func postRetrying(ctx context.Context, client *http.Client, url, token, contentType string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			if attempt < 3 && ctx.Err() == nil {
				time.Sleep(time.Duration(attempt+1) * time.Second)
				continue
			}
			return 0, nil, err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		return resp.StatusCode, b, err
	}
}

// AuditRecorded reports whether id names an audit recorded on the node at
// base (GET /v1/audits/{id}: 200), for a client that checks an import's
// basis_ref column across the parts it sends (node.ImportSeen.Recorded).
// An id the node does not hold, or could not hold (404, 400, 422), is not
// recorded; any other answer is an error.
func AuditRecorded(ctx context.Context, client *http.Client, base, id string) (bool, error) {
	u := base + "/v1/audits/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound, http.StatusBadRequest, http.StatusUnprocessableEntity:
		return false, nil
	}
	return false, fmt.Errorf("%s: %s", u, resp.Status)
}
