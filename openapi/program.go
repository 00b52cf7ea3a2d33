package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// The operations a province's program administrator runs its program
// with: its rules, its agreements (propose, sign, withdraw), reciprocity
// letters, and dated equivalency status changes.

// AgreementOut is a party's signed copy of an agreement (registry.Agreement
// on the wire).
type AgreementOut struct {
	Terms      registry.AgreementTerms `json:"terms"`
	Signatures []AgreementSignature    `json:"signatures"`
	Withdrawn  *registry.Withdrawal    `json:"withdrawn,omitempty"`
}

// AgreementSignature is one party's compact JWS over the canonical terms.
type AgreementSignature struct {
	Party string `json:"party"`
	JWS   string `json:"jws"`
}

// WithdrawIn optionally dates a withdrawal from an agreement.
type WithdrawIn struct {
	On     registry.Date `json:"on,omitzero" doc:"From when the agreement no longer counts (default: today)."`
	Reason string        `json:"reason,omitempty" maxLength:"500"`
}

// LetterIn issues a reciprocity letter (the host's administrator, on the
// host's node) or requests one (the home certificate's CP, or the home
// administrator, on the home node: the request replicates to the host).
type LetterIn struct {
	EmployerBN  string        `json:"employer_bn" pattern:"^[0-9]{9}$" doc:"BN9 of the employer."`
	Certificate string        `json:"certificate" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" doc:"The home certificate's id, as in /v1/certificates/{id} on the home node (e.g. ACSA-20250417)."`
	Host        string        `json:"host" enum:"CA-AB,CA-BC,CA-MB,CA-NB,CA-NL,CA-NS,CA-ON,CA-PE,CA-QC,CA-SK,CA-NT,CA-NU,CA-YT" doc:"The host issuing the letter: this node's jurisdiction."`
	Kind        string        `json:"kind" enum:"bid,temporary,equivalency" doc:"bid: for bidding only; temporary and equivalency: for the work."`
	IssuedOn    registry.Date `json:"issued_on,omitzero" doc:"Issuing: required, the day the letter is issued; the host's cap counts from it. Requesting: optional, the day the home asks it to be issued on."`
	RequestedBy string        `json:"requested_by,omitempty" maxLength:"200" doc:"Who asked for it (the home association). Default: the request's author."`
	Request     string        `json:"request,omitempty" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" doc:"Issuing: the home node's letter request the letter answers (default: the home's latest unanswered request for the same certificate, host and kind made on or before issued_on)."`
	RequestedOn registry.Date `json:"requested_on,omitzero" doc:"Issuing: when the home asked, if not through a request record. Requesting: the request's date (default: today, or issued_on when that is earlier)."`
}

// LetterWrite is the answer to POST /v1/letters: the letter issued (kind
// letter), or the request recorded (kind letter_request).
type LetterWrite struct{ v any }

// MarshalJSON writes the record.
func (w LetterWrite) MarshalJSON() ([]byte, error) { return json.Marshal(w.v) }

// Schema is one of the two records.
func (LetterWrite) Schema(r huma.Registry) *huma.Schema {
	letter := r.Schema(reflect.TypeFor[Record[registry.Letter]](), true, "")
	request := r.Schema(reflect.TypeFor[Record[registry.LetterRequest]](), true, "")
	return &huma.Schema{OneOf: []*huma.Schema{letter, request}, Discriminator: &huma.Discriminator{PropertyName: "kind",
		Mapping: map[string]string{string(registry.KindLetter): letter.Ref, string(registry.KindLetterRequest): request.Ref}}}
}

// WorkStartedIn optionally dates the start of work under a letter.
type WorkStartedIn struct {
	On registry.Date `json:"on,omitzero" doc:"The day work started in the host (default: today)."`
}

// EquivalencyStatusIn asks for a dated status change of an equivalency.
type EquivalencyStatusIn struct {
	Action string        `json:"action" enum:"suspend,reinstate,withdraw,expire,annul"`
	Reason string        `json:"reason" minLength:"1" maxLength:"500" doc:"Why: recorded in the signed history."`
	On     registry.Date `json:"on,omitzero" doc:"When the change takes effect (default: today). Before the last change: a correction (program administrator)."`
}

// LettersOut lists an employer's letters.
type LettersOut struct {
	Letters []federation.LetterView `json:"letters"`
	Count   int                     `json:"count"`
	// Requests are the employer's letter requests from home nodes.
	Requests []federation.RequestView `json:"requests"`
}

// bodyField puts a rule record's validation errors under "body." (pre
// strips the path of the record inside a file, e.g. "terms."): every one of
// a registry.ValidationErrors, which it returns as ValidationErrors. Other
// errors are returned as they are.
func bodyField(err error, pre string) error {
	var ves registry.ValidationErrors
	if errors.As(err, &ves) {
		out := make(registry.ValidationErrors, len(ves))
		for i, ve := range ves {
			out[i] = underBody(ve, pre)
		}
		return out
	}
	var ve *registry.ValidationError
	if errors.As(err, &ve) && !strings.HasPrefix(ve.Field, "body.") {
		return underBody(ve, pre)
	}
	return err
}

// underBody returns ve with its field under "body." (pre stripped), or ve
// itself when it is there already.
func underBody(ve *registry.ValidationError, pre string) *registry.ValidationError {
	if strings.HasPrefix(ve.Field, "body.") {
		return ve
	}
	return &registry.ValidationError{Field: "body." + strings.TrimPrefix(ve.Field, pre), Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
}

// letterProblem renders a refused letter as a 422 listing the recognition
// reason codes, each at body.certificate.
func letterProblem(h *Helpers, ctx context.Context, err error) error {
	var lr *federation.LetterRefused
	if !errors.As(err, &lr) {
		return h.Problem(ctx, err)
	}
	p := &huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: "Letter refused", Detail: lr.Error()}
	for _, r := range lr.Reasons {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: r.Code + ": " + r.Text, Location: "body.certificate", Value: r.Code})
	}
	return p
}

func programOps(api huma.API, h *Helpers, l *federation.Lookups) {
	n := l.Federation().Node()
	result := func(ctx context.Context, e registry.Entry, err error) (Record[AgreementOut], error) {
		return writeResult[AgreementOut](ctx, h.s, e, bodyField(err, "terms."))
	}
	huma.Register(api, h.WriteOp("publish-rules", http.MethodPost, "/v1/rules",
		"Publish a version of this jurisdiction's own recognition rules (program administrator)", http.StatusCreated, "recognition"),
		func(ctx context.Context, in *struct{ Body registry.HostRules }) (*createdOut[Record[registry.HostRules]], error) {
			e, err := n.PublishHostRules(ctx, PrincipalOf(ctx), in.Body)
			r, err := writeResult[registry.HostRules](ctx, h.s, e, bodyField(err, ""))
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.HostRules]]{Location: "/v1/rules?on=" + in.Body.EffectiveFrom.String(), Body: r}, nil
		})
	huma.Register(api, h.WriteOp("propose-agreement", http.MethodPost, "/v1/agreements",
		"Propose a reciprocity agreement: publish its terms signed by this node as a party (program administrator)", http.StatusCreated, "recognition"),
		func(ctx context.Context, in *struct{ Body registry.AgreementTerms }) (*createdOut[Record[AgreementOut]], error) {
			e, err := n.ProposeAgreement(ctx, PrincipalOf(ctx), in.Body)
			r, err := result(ctx, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[AgreementOut]]{Location: "/v1/agreements/" + r.ID, Body: r}, nil
		})
	huma.Register(api, h.WriteOp("sign-agreement", http.MethodPost, "/v1/agreements/{id}/sign",
		"Sign an agreement another party proposed: this node's party signature over the same canonical terms", http.StatusCreated, "recognition"),
		func(ctx context.Context, in *struct{ IDPath }) (*createdOut[Record[AgreementOut]], error) {
			e, err := l.SignAgreement(ctx, PrincipalOf(ctx), in.ID)
			r, err := result(ctx, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[AgreementOut]]{Location: "/v1/agreements/" + r.ID, Body: r}, nil
		})
	huma.Register(api, h.WriteOp("withdraw-agreement", http.MethodPost, "/v1/agreements/{id}/withdraw",
		"Withdraw this jurisdiction from an agreement from a date: it no longer counts from then; answers about earlier dates are unchanged", http.StatusOK, "recognition"),
		func(ctx context.Context, in *struct {
			IDPath
			Body *WithdrawIn
		}) (*bodyOut[Record[AgreementOut]], error) {
			var w WithdrawIn
			if in.Body != nil {
				w = *in.Body
			}
			e, err := n.WithdrawAgreement(ctx, PrincipalOf(ctx), in.ID, w.On, w.Reason)
			r, err := result(ctx, e, err)
			return &bodyOut[Record[AgreementOut]]{r}, err
		})
	huma.Register(api, h.Op("get-agreement", http.MethodGet, "/v1/agreements/{id}",
		"An agreement's terms, which parties signed it (each signature verified against that party's pinned key) and which have not", "recognition"),
		func(ctx context.Context, in *struct{ IDPath }) (*bodyOut[federation.AgreementState], error) {
			st, err := l.Agreement(ctx, in.ID)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[federation.AgreementState]{st}, nil
		})

	issue := h.WriteOp("issue-letter", http.MethodPost, "/v1/letters",
		"Issue a reciprocity letter as host, or request one from the home node", http.StatusCreated, "letters")
	issue.Description = "On the host's node, the program administrator issues a letter: decided by the rules on its issue date, " +
		"expiring at the earlier of the home certificate's expiry and the host's cap counted from the issue date; it answers the home's " +
		"request (`request`, or the latest unanswered one found) and carries its `requested_on`. On the home node, the certifying partner " +
		"that holds the certificate (token scope certificates:write), or the program administrator, records a signed letter request " +
		"(kind letter_request) for another host: it replicates to the host, whose administrator decides it. A CP that does not hold the " +
		"certificate, or is not active, is refused (403)."
	huma.Register(api, issue,
		func(ctx context.Context, in *struct{ Body LetterIn }) (*createdOut[LetterWrite], error) {
			b, p := in.Body, PrincipalOf(ctx)
			if p.Role == node.RoleCP || registry.Jurisdiction(b.Host) != n.Jurisdiction() {
				e, err := n.RequestLetter(ctx, p, registry.LetterRequest{EmployerBN: b.EmployerBN, Certificate: b.Certificate,
					Host: registry.Jurisdiction(b.Host), Kind: b.Kind, IssueOn: b.IssuedOn, RequestedOn: b.RequestedOn, RequestedBy: b.RequestedBy})
				r, err := writeResult[registry.LetterRequest](ctx, h.s, e, err)
				if err != nil {
					return nil, err
				}
				return &createdOut[LetterWrite]{Location: "/v1/letters?bn=" + b.EmployerBN, Body: LetterWrite{r}}, nil
			}
			e, err := l.IssueLetter(ctx, p, federation.LetterRequest{EmployerBN: b.EmployerBN, Certificate: b.Certificate,
				Host: registry.Jurisdiction(b.Host), Kind: b.Kind, IssuedOn: b.IssuedOn, RequestedBy: b.RequestedBy,
				Request: b.Request, RequestedOn: b.RequestedOn, Lang: langOf(ctx)})
			if err != nil {
				return nil, letterProblem(h, ctx, err)
			}
			r, err := writeResult[registry.Letter](ctx, h.s, e, nil)
			if err != nil {
				return nil, err
			}
			return &createdOut[LetterWrite]{Location: "/v1/letters?bn=" + b.EmployerBN, Body: LetterWrite{r}}, nil
		})
	huma.Register(api, h.WriteOp("letter-work-started", http.MethodPost, "/v1/letters/{id}/work-started",
		"Record that work started in the host under a letter: where the host's terms say so (MB), the letter is void from that day", http.StatusOK, "letters"),
		func(ctx context.Context, in *struct {
			IDPath
			Body *WorkStartedIn
		}) (*bodyOut[Record[registry.Letter]], error) {
			var on registry.Date
			if in.Body != nil {
				on = in.Body.On
			}
			e, err := n.LetterWorkStarted(ctx, PrincipalOf(ctx), in.ID, on)
			r, err := writeResult[registry.Letter](ctx, h.s, e, err)
			return &bodyOut[Record[registry.Letter]]{r}, err
		})
	huma.Register(api, h.Op("list-letters", http.MethodGet, "/v1/letters",
		"An employer's reciprocity letters from every host, with what each is on a date, and its letter requests from home nodes", "letters"),
		func(ctx context.Context, in *struct {
			BN   BNParam `query:"bn" required:"true" pattern:"^[0-9]{9}$" doc:"Employer BN9."`
			AsOf string  `query:"as_of" format:"date" doc:"Default: today in each host's time zone."`
		}) (*bodyOut[LettersOut], error) {
			var asOf registry.Date
			if in.AsOf != "" {
				d, err := registry.ParseDate(in.AsOf)
				if err != nil {
					return nil, fieldProblem(ctx, "query.as_of", "%v", err)
				}
				asOf = d
			}
			ls, err := l.Letters(ctx, string(in.BN), asOf)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			rs, err := l.LetterRequests(ctx, string(in.BN))
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[LettersOut]{LettersOut{Letters: ls, Count: len(ls), Requests: rs}}, nil
		})

	huma.Register(api, h.WriteOp("change-equivalency-status", http.MethodPatch, "/v1/equivalencies/{id}",
		"Change an equivalency record's status (suspend, reinstate, withdraw, expire, annul) from a date, with a reason", http.StatusOK, "equivalencies"),
		func(ctx context.Context, in *struct {
			IDPath
			Body EquivalencyStatusIn
		}) (*bodyOut[Record[registry.Equivalency]], error) {
			e, err := n.ChangeEquivalencyStatus(ctx, PrincipalOf(ctx), in.ID, node.StatusRequest{Action: in.Body.Action, Reason: in.Body.Reason, On: in.Body.On})
			r, err := writeResult[registry.Equivalency](ctx, h.s, e, err)
			return &bodyOut[Record[registry.Equivalency]]{r}, err
		})
}
