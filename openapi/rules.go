package openapi

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/webhook"
)

// Every validation error of a body at once.
//
// huma checks a body against its schema (patterns, enums, bounds) before
// the handler runs and, when that fails, answers 422 without calling it;
// the record rules (a BN's check digit, dates, term, basis_ref, ...) run in
// the node, in the handler. So that one 422 lists both, the problem
// transformer (publicProblems) adds to huma's schema 422 what the record
// rules say of the same body (bodyRules, by the operation's body schema):
// the body as textHygiene kept it is decoded into the body's type member
// by member (decodeMembers: a member that does not decode, or that the
// schema refused, stays zero, and only it) and checked as the node would
// check it before reading the store. A rule error at a location the schema
// already named (or one holding it, or held in it) is left out; rule
// errors are located under body, as the schema's are. The rules run only
// on this failure path: a body whose schema passes is checked by the node
// alone, as before (so the order of 401/403/422 answers does not change).
//
// Not covered: bodies whose rules need stored records (a status change,
// a review step, a certificate correction), and the CSV/XLSX import,
// whose report already names every row's problems.

// bodyRule checks a body sent by p, decoded member by member
// (decodeMembers) with the members at the locations of skip (those the
// schema refused) left zero: the names of the body's members as sent, and
// the record rules' errors or nil.
type bodyRule func(s *server, p node.Principal, body []byte, skip []string) (map[string]bool, error)

// ruleCheck is an operation body's rule, its schema's top-level
// properties (what a client can send) and the rule errors that compare
// two members (crossRefs).
type ruleCheck struct {
	check   bodyRule
	props   map[string]bool
	crossed []crossRef
}

// crossRef is a rule error that compares a member with another: at is its
// location under body, any index written [] ("hosts[].host"), and with
// the member it compares with ("parties"). When the schema refused with
// (or something in it), the rules saw it as absent: the comparison was
// made with nothing, and its error is left out (a host is "not a party"
// of an agreement whose parties the schema refused).
type crossRef struct{ at, with string }

// rule is the check of body type T, with the rule errors that compare two
// of its members.
func rule[T any](check func(s *server, v T) error, crossed ...crossRef) (reflect.Type, ruleCheck) {
	return ruleBy(func(s *server, _ node.Principal, v T) error { return check(s, v) }, crossed...)
}

// ruleBy is rule for a write whose checks depend on who sends it (a
// letter is issued by the host's administrator, requested by anyone else).
func ruleBy[T any](check func(s *server, p node.Principal, v T) error, crossed ...crossRef) (reflect.Type, ruleCheck) {
	return reflect.TypeFor[T](), ruleCheck{crossed: crossed, check: func(s *server, p node.Principal, body []byte, skip []string) (map[string]bool, error) {
		var v T
		sent := decodeMembers(body, reflect.ValueOf(&v).Elem(), "body", skip)
		return sent, check(s, p, v)
	}}
}

// ruleSet lists the body types of writes whose rules the edge can run on
// the body alone; each check mirrors the first checks of the node's write.
func ruleSet() map[reflect.Type]ruleCheck {
	out := map[reflect.Type]ruleCheck{}
	add := func(t reflect.Type, r ruleCheck) { out[t] = r }
	add(rule(func(_ *server, v registry.Employer) error { return v.Validate() }))
	add(rule(func(_ *server, v registry.CertifyingPartner) error { return v.Validate() }))
	add(rule(func(s *server, v CertificateIn) error { return s.node.CheckNewCertificate(node.NewCertificate(v)) }))
	add(rule(func(_ *server, v EquivalencyIn) error { // node.PutEquivalency
		q := v.record("")
		if q.Decision == "" {
			q.Decision = registry.DecisionPending
		}
		if q.Status == "" {
			q.Status = "active"
		}
		return q.Validate()
	}))
	add(rule(func(s *server, v AuditIn) error { // node.RecordAudit
		a := v.record()
		a.Jurisdiction, a.RecordedBy = s.node.Jurisdiction(), "edge"
		return a.Validate()
	}))
	add(rule(func(s *server, v AuditorIn) error { // node.PutAuditor
		a := v.record()
		a.Home = s.node.Jurisdiction()
		return a.Validate()
	}))
	add(rule(func(_ *server, v QAReviewIn) error { // node.RecordQAReview
		q := registry.QAReview(v)
		q.By = "edge"
		if q.ID == "" {
			q.ID = node.QAID(q)
		}
		return q.Validate()
	}))
	add(rule(func(_ *server, v StopWorkIn) error { // node.RecordStopWorkOrder
		return registry.StopWorkOrder{EmployerBN: v.EmployerBN, Certificate: v.Certificate, Number: v.Number,
			IssuedOn: v.IssuedOn, IssuedBy: v.IssuedBy, Reason: v.Reason}.Validate()
	}))
	add(rule(func(_ *server, v registry.Program) error { return v.Validate() }))
	add(rule(func(_ *server, v registry.HostRules) error { return inBody(v.Validate(), "") }))
	add(rule(func(_ *server, v registry.AgreementTerms) error { return inBody(v.Validate(), "terms.") },
		crossRef{"hosts[].host", "parties"}, crossRef{"parties[]", "hosts"})) // "not a party", "has no host terms"
	add(rule(func(_ *server, v MatchIn) error { // registerMatch
		_, errs := v.check()
		if len(errs) == 0 {
			return nil
		}
		return errs
	}))
	add(rule(func(_ *server, v webhook.NewSubscription) error { return v.Validate() }))
	add(ruleBy(letterRule))
	add(rule(reviewRule))
	add(rule(func(s *server, v ReviewPatch) error { // node.ActOnReview
		return node.CheckReviewStep(node.ReviewRequest(v), s.node.Today())
	}, crossRef{"due_on", "action"}, crossRef{"due_on", "on"})) // "only with ...", "not after"
	add(rule(func(s *server, v DisciplineIn) error { // node.DisciplineAuditor
		return node.CheckDiscipline(node.DisciplineRequest(v), s.node.Today())
	}))
	return out
}

// letterRule mirrors the first checks of POST /v1/letters: on the host's
// node its administrator issues the letter (federation.CheckLetterToIssue,
// before Lookups.IssueLetter reads any record); anyone else, or a letter
// of another host, is a request (node.RequestLetter's defaults, then
// registry.LetterRequest.Validate).
func letterRule(s *server, p node.Principal, v LetterIn) error {
	host := registry.Jurisdiction(v.Host)
	if p.Role != node.RoleCP && host == s.node.Jurisdiction() {
		return federation.CheckLetterToIssue(federation.LetterRequest{EmployerBN: v.EmployerBN, Certificate: v.Certificate,
			Host: host, Kind: v.Kind, IssuedOn: v.IssuedOn, RequestedOn: v.RequestedOn}, host)
	}
	r := registry.LetterRequest{EmployerBN: v.EmployerBN, Certificate: v.Certificate, Home: s.node.Jurisdiction(), Host: host,
		Kind: v.Kind, IssueOn: v.IssuedOn, RequestedOn: v.RequestedOn, RequestedBy: v.RequestedBy}
	if r.RequestedBy == "" {
		r.RequestedBy = "edge"
	}
	if r.RequestedOn.IsZero() {
		r.RequestedOn = s.node.Today()
		if !r.IssueOn.IsZero() && r.IssueOn.Before(r.RequestedOn) {
			r.RequestedOn = r.IssueOn
		}
	}
	r.ID = registry.LetterRequestID(r.Host, r.Certificate, r.RequestedOn)
	return r.Validate()
}

// reviewRule mirrors node.OpenReview's checks before it reads the
// certificate: the review record (BN, trigger, opened on or after the
// trigger occurred) and neither date after today.
func reviewRule(s *server, v ReviewIn) error {
	today := s.node.Today()
	if v.OpenedOn.IsZero() {
		v.OpenedOn = today
	}
	reason := v.Reason
	if reason == "" {
		reason = "review opened on trigger " + v.Trigger
	}
	r := registry.Review{ID: node.ReviewID(v.Certificate, v.OpenedOn), Jurisdiction: s.node.Jurisdiction(), EmployerBN: v.EmployerBN,
		Certificate: v.Certificate, Trigger: v.Trigger, OccurredOn: v.OccurredOn, OpenedOn: v.OpenedOn, Status: registry.ReviewOpen,
		History: []registry.ReviewStep{{Action: "open", Reason: reason, On: v.OpenedOn, By: "edge"}}}
	errs := []error{r.Validate()}
	if r.OpenedOn.After(today) {
		errs = append(errs, registry.Invalid("body.opened_on", "%s is after today (%s)", r.OpenedOn, today))
	}
	if r.OccurredOn.After(today) {
		errs = append(errs, registry.Invalid("body.occurred_on", "%s is after today (%s): a review is opened on a trigger that occurred", r.OccurredOn, today))
	}
	return registry.JoinInvalid(errs...)
}

// indexRules maps each operation's JSON body schema reference to its rule,
// once every operation is registered.
func (s *server) indexRules(api huma.API) {
	byType := ruleSet()
	s.rules = map[string]ruleCheck{}
	reg := api.OpenAPI().Components.Schemas
	for t, rc := range byType {
		sc := reg.Schema(t, true, "")
		if sc == nil || sc.Ref == "" {
			continue
		}
		rc.props = map[string]bool{}
		if full := reg.SchemaFromRef(sc.Ref); full != nil {
			for name := range full.Properties {
				rc.props[name] = true
			}
		}
		s.rules[sc.Ref] = rc
	}
}

type bodyKey struct{}

// inBody puts a rule error's fields under body, where the schema's are:
// some records' Validate names fields from the record ("id", or
// "terms.parties" with pre "terms."), not from the request.
func inBody(err error, pre string) error {
	var ves registry.ValidationErrors
	var ve *registry.ValidationError
	switch {
	case errors.As(err, &ves):
		out := make(registry.ValidationErrors, len(ves))
		for i, ve := range ves {
			out[i] = bodyLocated(ve, pre)
		}
		return out
	case errors.As(err, &ve):
		return bodyLocated(ve, pre)
	}
	return err
}

func bodyLocated(ve *registry.ValidationError, pre string) *registry.ValidationError {
	if ve.Field == "body" || strings.HasPrefix(ve.Field, "body.") || strings.HasPrefix(ve.Field, "body[") {
		return ve
	}
	return &registry.ValidationError{Field: "body." + strings.TrimPrefix(ve.Field, pre), Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
}

// withRuleErrors adds to p, huma's 422 for a body that fails its schema,
// the record rules' errors of the same body.
func (s *server) withRuleErrors(ctx huma.Context, p *huma.ErrorModel) {
	op := ctx.Operation()
	body, _ := ctx.Context().Value(bodyKey{}).([]byte)
	if op == nil || op.RequestBody == nil || body == nil {
		return
	}
	mt := op.RequestBody.Content["application/json"]
	if mt == nil || mt.Schema == nil {
		return
	}
	skip := make([]string, 0, len(p.Errors))
	for _, d := range p.Errors {
		skip = append(skip, d.Location)
	}
	if ve, ok := pathMismatchOfBody(ctx, body, skip).(*registry.ValidationError); ok {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: reasonIn(frenchOf(ctx.Context()), ve), Location: ve.Field})
		skip = append(skip, ve.Field) // the rules' problems of the same member are left out
	}
	r, ok := s.rules[mt.Schema.Ref]
	if !ok {
		return
	}
	sent, err := r.check(s, principalOf(ctx.Context()), body, skip)
	for _, ve := range registry.Problems(err) {
		ve = bodyLocated(ve, "")
		if slices.ContainsFunc(p.Errors, func(d *huma.ErrorDetail) bool { return related(d.Location, ve.Field) }) {
			continue // one problem for a member: the schema's (a missing one is at the member: publicProblems)
		}
		if !r.derivable(ve, sent) || r.comparedWithRefused(ve.Field, skip) {
			continue
		}
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: reasonIn(frenchOf(ctx.Context()), ve), Location: ve.Field, Value: ve.Value})
	}
}

// related reports whether a schema error at location a speaks of the
// member at b: the same member, or one holds the other (a row whose bn
// the schema refused is not also "a row with no bn"). A problem of the
// whole body ("body": not an object) relates only to itself; a missing
// required member is at the member (publicProblems), so the rules say
// nothing more of it.
func related(a, b string) bool {
	if a == b {
		return true
	}
	if a == "body" || b == "body" {
		return false
	}
	within := func(inner, outer string) bool {
		return strings.HasPrefix(inner, outer) && len(inner) > len(outer) && (inner[len(outer)] == '.' || inner[len(outer)] == '[')
	}
	return within(a, b) || within(b, a)
}

// derivable reports whether a rule error can be said of the body as sent.
// The rules see a member the schema refused as absent, so they also speak
// of what the node derives from it: a field the client cannot send (a
// certificate's history, made from its issue date), or a bare "required"
// for an optional member the client left out (the expiry, computed from
// the refused issue date). Those follow from an error already listed;
// rules that truly need an unsent member say why (basis_ref for an ISO
// equivalency, the auditor an OSAR reviews) and are kept.
func (r ruleCheck) derivable(ve *registry.ValidationError, sent map[string]bool) bool {
	name, ok := strings.CutPrefix(ve.Field, "body.")
	if !ok {
		return true
	}
	if i := strings.IndexAny(name, ".["); i >= 0 {
		name = name[:i]
	}
	if !r.props[name] {
		return false
	}
	return sent[name] || ve.Reason != "required"
}

// comparedWithRefused reports whether the rule error at location loc
// compares with a member the schema refused (at a location of refused,
// or under it).
func (r ruleCheck) comparedWithRefused(loc string, refused []string) bool {
	if len(r.crossed) == 0 {
		return false
	}
	loc = anyIndex(strings.TrimPrefix(loc, "body."))
	for _, c := range r.crossed {
		if c.at != loc {
			continue
		}
		if slices.ContainsFunc(refused, func(l string) bool { return related(l, "body."+c.with) }) {
			return true
		}
	}
	return false
}

// anyIndex writes every index of a location as [] ("hosts[2].host" is
// "hosts[].host").
func anyIndex(loc string) string {
	if !strings.Contains(loc, "[") {
		return loc
	}
	var b strings.Builder
	for i := 0; i < len(loc); i++ {
		b.WriteByte(loc[i])
		if loc[i] == '[' {
			for i+1 < len(loc) && loc[i+1] >= '0' && loc[i+1] <= '9' {
				i++
			}
		}
	}
	return b.String()
}

// isSchema422 reports whether p is huma's own answer to a body that fails
// its schema.
func isSchema422(p *huma.ErrorModel) bool {
	return p.Status == http.StatusUnprocessableEntity && p.Detail == "validation failed"
}

// requiredMember is the member a schema error's message says is required
// and absent (huma's validation.MsgExpectedRequiredProperty, located at
// the object that lacks it), or false for another message.
func requiredMember(msg string) (string, bool) {
	before, after, _ := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	name, ok := strings.CutPrefix(msg, before)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, after)
	return name, ok && name != ""
}
