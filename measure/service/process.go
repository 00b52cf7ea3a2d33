package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Record kinds the process metrics read when the node keeps them. Audits
// and Employer Reviews are recorded by the program operations (issue 11);
// a node without them reports certificate and letter figures only.
const (
	kindAudit  registry.Kind = "audit"
	kindReview registry.Kind = "employer_review"
)

// DefaultReportDays is the report deadline, in days after the last on-site
// day, per CP; others get DefaultReportDeadline (Alberta's 45 days).
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
	key := fmt.Sprintf("%s|%s|%s|%d", cp, from, to, f.size)
	s.mu.Lock()
	r, ok := s.reports[key]
	s.mu.Unlock()
	if ok {
		return r, nil
	}
	r = measure.ComputeProcess(measure.ProcessInput{From: from, To: to, CP: cp, ReportDays: reportDays,
		Certificates: f.certs, Audits: f.audits, Reviews: f.reviews, Letters: f.letters, Kept: f.kept})
	keep(s, s.reports, key, r)
	return r, nil
}

func reportDays(cp string) int {
	if d, ok := DefaultReportDays[cp]; ok {
		return d
	}
	return DefaultReportDeadline
}

// processFacts are the process metrics' inputs at feed size size; shared
// by every answer, never changed once built.
type processFacts struct {
	size    uint64
	certs   []measure.CertFacts
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
	f := &processFacts{size: size}
	n := s.cfg.Node
	err = n.Each(ctx, registry.KindCertificate, func(e registry.Entry) error {
		c, err := node.Decode[registry.Certificate](e)
		if err == nil {
			f.certs = append(f.certs, measure.CertFacts{Certificate: c})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	f.kept = append(f.kept, string(registry.KindCertificate))
	// When a certificate on an audit's basis was recorded: its first
	// version's time (read after the scan: Each's fn starts no transaction).
	for i := range f.certs {
		cf := &f.certs[i]
		if cf.BasisRef == "" {
			continue
		}
		if vs, err := n.Versions(ctx, registry.KindCertificate, cf.ID); err == nil && len(vs) > 0 {
			cf.RecordedOn = node.TodayIn(n.Jurisdiction(), time.Unix(vs[0].Iat, 0))
		}
	}
	if f.audits, err = facts[measure.AuditFacts](ctx, n, kindAudit, &f.kept); err != nil {
		return nil, err
	}
	if f.reviews, err = facts[measure.ReviewFacts](ctx, n, kindReview, &f.kept); err != nil {
		return nil, err
	}
	if f.letters, err = facts[measure.LetterFacts](ctx, n, registry.KindLetter, &f.kept); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.facts = f
	clear(s.reports)
	s.mu.Unlock()
	return f, nil
}

// facts decodes the newest version of every record of kind into T (the
// members the metrics use; others are ignored), noting the kind as kept
// when there is any.
func facts[T any](ctx context.Context, n *node.Node, kind registry.Kind, kept *[]string) ([]T, error) {
	var out []T
	err := n.Each(ctx, kind, func(e registry.Entry) error {
		var v T
		if err := json.Unmarshal(e.Record, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) > 0 {
		*kept = append(*kept, string(kind))
	}
	return out, nil
}
