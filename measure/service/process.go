package service

import (
	"context"
	"fmt"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
)

// Record kinds the process metrics read when the node keeps them. Audits
// and Employer Reviews are recorded by the program operations (issue 11);
// a node without them reports certificate and letter figures only.
const (
	kindAudit  registry.Kind = "audit"
	kindReview registry.Kind = "employer_review"
)

// DefaultReportDays is the report deadline, in days after the last on-site
// day, per CP, for an audit whose program the node does not know (or
// which sets no submission deadline); others get DefaultReportDeadline
// (Alberta's 45 days). An audit of a program the node knows is held to
// that program's deadline (registry.Program.DeadlineFor), as its verdict
// was.
var DefaultReportDays = map[string]int{"ESC": 21}

// DefaultReportDeadline is Alberta's: 45 days to submit after the audit.
const DefaultReportDeadline = 45

// Process computes the process metrics of [from, to] for cp ("" for every
// CP). Its inputs, every certificate, audit, review and letter of the
// node, are read once per state of the feed (a scan, shared by the callers
// that arrive meanwhile) and its answers are kept until the feed grows, so
// a repeated question costs a map lookup.
func (s *Service) Process(ctx context.Context, cp string, from, to registry.Date) (measure.ProcessReport, error) {
	if to.Before(from) {
		return measure.ProcessReport{}, registry.Invalid("query.to", "the period ends (%s) before it starts (%s)", to, from)
	}
	f, err := s.processFacts(ctx)
	if err != nil {
		return measure.ProcessReport{}, err
	}
	programs, err := s.cfg.Node.Programs(ctx)
	if err != nil {
		return measure.ProcessReport{}, err
	}
	deadlines := reportDeadlines(programs)
	types := actionTypes(programs)
	key := fmt.Sprintf("%s|%s|%s|%d|%v|%v", cp, from, to, f.version, deadlines, types) // fmt prints maps sorted
	cached := func() (measure.ProcessReport, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.reports.get(key)
	}
	if r, ok := cached(); ok {
		return r, nil
	}
	select {
	case s.processing <- struct{}{}:
		defer func() { <-s.processing }()
	case <-ctx.Done():
		return measure.ProcessReport{}, ctx.Err()
	}
	if r, ok := cached(); ok { // computed while this call waited
		return r, nil
	}
	reportDays := func(program, cp string) int {
		if d, ok := deadlines[[2]string{program, cp}]; ok {
			return d
		}
		if d, ok := deadlines[[2]string{program, ""}]; ok {
			return d
		}
		if d, ok := DefaultReportDays[cp]; ok {
			return d
		}
		return DefaultReportDeadline
	}
	actionTypesOf := func(program, action string) []string {
		if ts, ok := types[[2]string{program, action}]; ok {
			return ts
		}
		return types[[2]string{registry.ProgramCOR, action}] // a program the node does not know: COR's
	}
	r := measure.ComputeProcess(measure.ProcessInput{From: from, To: to, CP: cp, ReportDays: reportDays, ActionTypes: actionTypesOf,
		Certificates: f.certs, Audits: f.audits, Reviews: f.reviews, Letters: f.letters, Kept: f.kept})
	keep(s, s.reports, key, r)
	return r, nil
}

// reportDeadlines are the submission deadlines the programs set, in days,
// resolved as an audit's verdict resolves them (registry.Program.
// DeadlineFor): by (program, cp) for a CP with a deadline of its own, by
// (program, "") for the program's; 0 is no deadline (the audit is counted,
// not judged on time or late).
func reportDeadlines(programs []registry.Program) map[[2]string]int {
	m := map[[2]string]int{}
	for _, p := range programs {
		m[[2]string{p.ID, ""}] = p.ReportDeadline.SubmitDays
		for cp, d := range p.CPDeadlines {
			m[[2]string{p.ID, cp}] = d.SubmitDays
		}
	}
	return m
}

// actionTypes are the audit types that meet each required action of a
// certificate under each program (registry.Program.RequiredActionTypes),
// by (program, action), as the node's lifecycle judges the action.
func actionTypes(programs []registry.Program) map[[2]string][]string {
	m := map[[2]string][]string{}
	for _, p := range programs {
		for _, a := range []string{registry.RequiredActionPlan, registry.RequiredFullAudit} {
			m[[2]string{p.ID, a}] = p.RequiredActionTypes(a)
		}
	}
	return m
}

// processFacts are the process metrics' inputs at feed size size; shared
// by every answer, never changed once built.
type processFacts struct {
	size    uint64 // the feed size they were last found current at
	version uint64 // the records.version they were built from
	certs   []*measure.CertFacts
	audits  []measure.AuditFacts
	reviews []measure.ReviewFacts
	letters []measure.LetterFacts
	kept    []string
}

// processFacts returns the process metrics' inputs, read again when the
// feed has grown.
func (s *Service) processFacts(ctx context.Context) (*processFacts, error) {
	size, err := s.feedSize(ctx)
	if err != nil {
		return nil, err
	}
	held := func() *processFacts {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.facts != nil && s.facts.size == size {
			return s.facts
		}
		return nil
	}
	if f := held(); f != nil {
		return f, nil
	}
	s.rebuild.Lock()
	defer s.rebuild.Unlock()
	if f := held(); f != nil { // read while this call waited
		return f, nil
	}
	r, err := s.sync(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	f := s.facts
	s.mu.Unlock()
	if f != nil && f.version == r.version {
		g := *f // nothing they hold changed: current at the new size too
		g.size = r.size
		s.mu.Lock()
		s.facts = &g
		s.mu.Unlock()
		return &g, nil
	}
	f = &processFacts{size: r.size, version: r.version, certs: values(r.certs), audits: values(r.audits), reviews: values(r.reviews),
		letters: values(r.letters), kept: []string{string(registry.KindCertificate)}}
	for _, k := range []struct {
		kind registry.Kind
		n    int
	}{{kindAudit, len(r.audits)}, {kindReview, len(r.reviews)}, {registry.KindLetter, len(r.letters)}} {
		if k.n > 0 {
			f.kept = append(f.kept, string(k.kind))
		}
	}
	s.mu.Lock()
	s.facts = f
	s.reports.clear()
	s.mu.Unlock()
	return f, nil
}
