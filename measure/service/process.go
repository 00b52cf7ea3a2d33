package service

import (
	"context"
	"encoding/json"
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

// Process computes the process metrics of [from, to] for cp ("" for every CP).
func (s *Service) Process(ctx context.Context, cp string, from, to registry.Date) (measure.ProcessReport, error) {
	if to.Before(from) {
		return measure.ProcessReport{}, registry.Invalid("query.to", "the period ends (%s) before it starts (%s)", to, from)
	}
	in := measure.ProcessInput{From: from, To: to, CP: cp, ReportDays: func(cp string) int {
		if d, ok := DefaultReportDays[cp]; ok {
			return d
		}
		return DefaultReportDeadline
	}}
	n := s.cfg.Node
	certs, err := n.All(ctx, registry.KindCertificate)
	if err != nil {
		return measure.ProcessReport{}, err
	}
	in.Kept = append(in.Kept, string(registry.KindCertificate))
	for _, e := range certs {
		c, err := node.Decode[registry.Certificate](e)
		if err != nil {
			return measure.ProcessReport{}, err
		}
		cf := measure.CertFacts{Certificate: c}
		if c.BasisRef != "" {
			if vs, err := n.Versions(ctx, registry.KindCertificate, c.ID); err == nil && len(vs) > 0 {
				cf.RecordedOn = node.TodayIn(n.Jurisdiction(), time.Unix(vs[0].Iat, 0))
			}
		}
		in.Certificates = append(in.Certificates, cf)
	}
	if in.Audits, err = facts[measure.AuditFacts](ctx, n, kindAudit, &in.Kept); err != nil {
		return measure.ProcessReport{}, err
	}
	if in.Reviews, err = facts[measure.ReviewFacts](ctx, n, kindReview, &in.Kept); err != nil {
		return measure.ProcessReport{}, err
	}
	if in.Letters, err = facts[measure.LetterFacts](ctx, n, registry.KindLetter, &in.Kept); err != nil {
		return measure.ProcessReport{}, err
	}
	return measure.ComputeProcess(in), nil
}

// facts decodes the newest version of every record of kind into T (the
// members the metrics use; others are ignored), noting the kind as kept
// when there is any.
func facts[T any](ctx context.Context, n *node.Node, kind registry.Kind, kept *[]string) ([]T, error) {
	es, err := n.All(ctx, kind)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	*kept = append(*kept, string(kind))
	out := make([]T, 0, len(es))
	for _, e := range es {
		var v T
		if err := json.Unmarshal(e.Record, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
