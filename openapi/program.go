package openapi

import (
	"context"
	"errors"
	"net/http"
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

// LetterIn asks the host's node for a reciprocity letter.
type LetterIn struct {
	EmployerBN  string        `json:"employer_bn" pattern:"^[0-9]{9}$" doc:"BN9 of the employer."`
	Certificate string        `json:"certificate" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" doc:"The home certificate's id, as in /v1/certificates/{id} on the home node (e.g. ACSA-20250417)."`
	Host        string        `json:"host" enum:"CA-AB,CA-BC,CA-MB,CA-NB,CA-NL,CA-NS,CA-ON,CA-PE,CA-QC,CA-SK,CA-NT,CA-NU,CA-YT" doc:"The host issuing the letter: this node's jurisdiction."`
	Kind        string        `json:"kind" enum:"bid,temporary,equivalency" doc:"bid: for bidding only; temporary and equivalency: for the work."`
	IssuedOn    registry.Date `json:"issued_on,omitzero" doc:"Required: the day the letter is issued; the host's cap counts from it."`
	RequestedBy string        `json:"requested_by,omitempty" maxLength:"200" doc:"Who asked for it (the home association)."`
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
}

// bodyField puts a rule record's validation error under "body." (pre
// strips the path of the record inside a file, e.g. "terms.").
func bodyField(err error, pre string) error {
	var ve *registry.ValidationError
	if errors.As(err, &ve) && !strings.HasPrefix(ve.Field, "body.") {
		return &registry.ValidationError{Field: "body." + strings.TrimPrefix(ve.Field, pre), Reason: ve.Reason, Value: ve.Value}
	}
	return err
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

	huma.Register(api, h.WriteOp("issue-letter", http.MethodPost, "/v1/letters",
		"Issue a reciprocity letter as host: decided by the rules on its issue date, expiring at the earlier of the home certificate's expiry and the host's cap", http.StatusCreated, "letters"),
		func(ctx context.Context, in *struct{ Body LetterIn }) (*createdOut[Record[registry.Letter]], error) {
			b := in.Body
			e, err := l.IssueLetter(ctx, PrincipalOf(ctx), federation.LetterRequest{EmployerBN: b.EmployerBN, Certificate: b.Certificate,
				Host: registry.Jurisdiction(b.Host), Kind: b.Kind, IssuedOn: b.IssuedOn, RequestedBy: b.RequestedBy})
			if err != nil {
				return nil, letterProblem(h, ctx, err)
			}
			r, err := writeResult[registry.Letter](ctx, h.s, e, nil)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.Letter]]{Location: "/v1/letters?bn=" + b.EmployerBN, Body: r}, nil
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
		"An employer's reciprocity letters from every host, with what each is on a date", "letters"),
		func(ctx context.Context, in *struct {
			BN   string `query:"bn" required:"true" pattern:"^[0-9]{9}$" doc:"Employer BN9."`
			AsOf string `query:"as_of" format:"date" doc:"Default: today in each host's time zone."`
		}) (*bodyOut[LettersOut], error) {
			var asOf registry.Date
			if in.AsOf != "" {
				d, err := registry.ParseDate(in.AsOf)
				if err != nil {
					return nil, fieldProblem("query.as_of", "%v", err)
				}
				asOf = d
			}
			ls, err := l.Letters(ctx, in.BN, asOf)
			if err != nil {
				return nil, h.Problem(ctx, err)
			}
			return &bodyOut[LettersOut]{LettersOut{Letters: ls, Count: len(ls)}}, nil
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
