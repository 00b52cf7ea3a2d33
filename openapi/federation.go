package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// RulesOut lists the rules in force on a date.
type RulesOut struct {
	On    registry.Date            `json:"on"`
	Rules []federation.RuleInForce `json:"rules"`
}

// VerifyIn carries a proof to check.
type VerifyIn struct {
	Proof string `json:"proof" minLength:"1" maxLength:"1048576" doc:"A proof from /v1/recognition."`
}

// VerifyOut says whether a proof holds.
type VerifyOut struct {
	Valid   bool                    `json:"valid" doc:"The proof holds (outcome valid)."`
	Outcome string                  `json:"outcome" enum:"valid,invalid,key_not_held" doc:"valid: the proof holds. invalid: it does not (reason says why). key_not_held: it, or a record it carries, is signed by a key of a member this node does not hold yet, most likely one the member rotated to since this node last read its log: neither shown to hold nor shown forged; ask again after the next sync, or check it with corfed verify and the current federation file."`
	Reason  string                  `json:"reason,omitempty" doc:"Why the proof does not hold or could not be checked, in the request's language (lang, else Accept-Language)."`
	Member  string                  `json:"member,omitempty" doc:"key_not_held: the member whose key this node does not hold."`
	KID     string                  `json:"kid,omitempty" doc:"key_not_held: the key id the signature names."`
	Claims  *federation.ProofClaims `json:"claims,omitempty"`
}

// verifyOut is what POST /v1/verify answers for a check's claims and error.
func verifyOut(c federation.ProofClaims, err error, lang equivalence.Lang) VerifyOut {
	if err == nil {
		return VerifyOut{Valid: true, Outcome: "valid", Claims: &c}
	}
	why := err.Error()
	var pe *federation.ProofError
	if errors.As(err, &pe) {
		why = pe.Text(lang)
	} else if lang == equivalence.French {
		why = frenchErr(err)
	}
	var kn *federation.KeyNotHeldError
	if errors.As(err, &kn) {
		return VerifyOut{Outcome: "key_not_held", Member: string(kn.Member), KID: kn.KID,
			Reason: sayf(lang == equivalence.French, "this node does not hold key %q of %s (the member may have rotated its keys since this node last read its log): the proof could not be checked; ask again after the next sync: %s", kn.KID, kn.Member, why)}
	}
	return VerifyOut{Outcome: "invalid", Reason: why}
}

// LookupOps registers the cross-jurisdiction operations: recognition with
// its proof, the rules in force, federation-wide search, and proof checks.
func LookupOps(l *federation.Lookups) func(huma.API, *Helpers) {
	return func(api huma.API, h *Helpers) {
		recognition := h.Op("recognition", http.MethodGet, "/v1/recognition",
			"Is this employer's certification recognized in the host, for this use, on this date, and why? With a signed proof.", "recognition")
		// The answer is written as Recognize encoded it (answerOut.Body), so
		// its schema is given here rather than read from the output type.
		recognition.Responses = map[string]*huma.Response{"200": {Content: map[string]*huma.MediaType{
			"application/json": {Schema: api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[federation.Answer](), true, "")}}}}
		huma.Register(api, recognition,
			func(ctx context.Context, in *struct {
				BN     BNParam `query:"bn" required:"true" pattern:"^[0-9]{9}$" doc:"Employer BN9."`
				Host   string  `query:"host" required:"true" enum:"CA-AB,CA-BC,CA-MB,CA-NB,CA-NL,CA-NS,CA-ON,CA-PE,CA-QC,CA-SK,CA-NT,CA-NU,CA-YT" doc:"Where the employer wants to bid or work."`
				Sector string  `query:"sector" maxLength:"64" doc:"Sector name (construction) or industry code (236220); empty: any."`
				On     string  `query:"on" format:"date" doc:"The date asked about; default today in the host's time zone."`
				Use    string  `query:"use" enum:"bid,work" default:"work" doc:"bid: bidding only; work: working in the host."`
				Lang   string  `query:"lang" enum:"en,fr" doc:"Language of the reasons' and conditions' text; default from Accept-Language, else English."`
				Accept string  `header:"Accept-Language" doc:"en or fr (the best q-value wins); the texts follow, codes do not change."`
			}) (*answerOut, error) {
				q := equivalence.Question{BN: string(in.BN), Host: registry.Jurisdiction(in.Host), Sector: in.Sector, Use: in.Use,
					Lang: RequestLang(in.Lang, in.Accept)}
				if in.On != "" {
					d, err := registry.ParseDate(in.On)
					if err != nil {
						return nil, fieldProblem(ctx, "query.on", "%v", err)
					}
					q.On = d
				}
				if err := registry.CheckBN("query.bn", string(in.BN)); err != nil {
					return nil, h.Problem(ctx, err)
				}
				a, err := l.RecognizeFresh(ctx, q)
				if err != nil {
					return nil, h.Problem(ctx, queryField(err))
				}
				return &answerOut{ContentLanguage: string(q.Lang), Vary: "Accept-Language", CacheControl: "no-store", Body: writeAnswer(a)}, nil
			})

		huma.Register(api, h.Op("rules", http.MethodGet, "/v1/rules", "The host rules and reciprocity agreements in force on a date, with who signed them", "recognition"),
			func(ctx context.Context, in *struct {
				On string `query:"on" format:"date" doc:"Default: today in the node's jurisdiction."`
			}) (*bodyOut[RulesOut], error) {
				d := l.Federation().Node().Today()
				if in.On != "" {
					var err error
					if d, err = registry.ParseDate(in.On); err != nil {
						return nil, fieldProblem(ctx, "query.on", "%v", err)
					}
				}
				rs, err := l.RulesOn(ctx, d)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[RulesOut]{RulesOut{On: d, Rules: rs}}, nil
			})

		huma.Register(api, h.Op("federation-search", http.MethodGet, "/v1/federation/search",
			"Search certificates across every member by BN, certificate number or employer name", "federation"),
			func(ctx context.Context, in *struct {
				BN     BNParam `query:"bn" pattern:"^[0-9]{9}$"`
				Number string  `query:"number" maxLength:"32"`
				Name   string  `query:"name" maxLength:"200" doc:"Employer name prefix, case- and accent-insensitive; &, \"and\" and \"et\" are alike."`
				AsOf   string  `query:"as_of" format:"date" doc:"The date statuses answer for; default today, each certificate's in its own jurisdiction (the day its pass expires on)."`
				Live   bool    `query:"live" doc:"Ask every peer now (in parallel, each with a timeout) instead of reading the verified replicas."`
				Limit  int     `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Per member."`
			}) (*bodyOut[federation.SearchResult], error) {
				q := federation.SearchQuery{BN: string(in.BN), Number: in.Number, Name: in.Name, Live: in.Live, Limit: in.Limit}
				if in.AsOf != "" {
					d, err := registry.ParseDate(in.AsOf)
					if err != nil {
						return nil, fieldProblem(ctx, "query.as_of", "%v", err)
					}
					q.AsOf = d
				}
				r, err := l.Search(ctx, q)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[federation.SearchResult]{r}, nil
			})

		verify := h.Op("verify-proof", http.MethodPost, "/v1/verify",
			"Check a recognition proof against the federation's pinned keys", "recognition")
		verify.MaxBodyBytes = ProofBodyBytes
		huma.Register(api, verify,
			func(ctx context.Context, in *struct {
				Lang   string `query:"lang" enum:"en,fr" doc:"Language of the reason and of the claims' re-derived texts; default from Accept-Language, else the reason in English and the texts in the proof's language."`
				Accept string `header:"Accept-Language" doc:"en or fr (the best q-value wins)."`
				Body   VerifyIn
			}) (*bodyOut[VerifyOut], error) {
				lang := RequestLang(in.Lang, in.Accept)
				// The texts the claims re-derive are in the request's
				// language when it names one, else in the proof's.
				var texts equivalence.Lang
				if in.Lang != "" || in.Accept != "" {
					texts = lang
				}
				c, err := l.VerifyProofIn(in.Body.Proof, texts)
				return &bodyOut[VerifyOut]{verifyOut(c, err, lang)}, nil
			})
		programOps(api, h, l)
		registerMatch(api, h, l)
	}
}

// answerOut is a recognition answer in the language asked for. Each
// answer carries a proof made for this request (its own jti and iat):
// there is nothing to keep or revalidate, so it is "no-store", and the
// edge neither buffers nor hashes it for an ETag (see etagged).
type answerOut struct {
	ContentLanguage string `header:"Content-Language"`
	Vary            string `header:"Vary"`
	CacheControl    string `header:"Cache-Control" doc:"no-store: every answer carries a proof signed for this request."`
	Body            func(huma.Context)
}

// writeAnswer writes a's JSON, encoded once with its proof by Recognize
// (federation.Answer.JSON), instead of encoding it again.
func writeAnswer(a federation.Answer) func(huma.Context) {
	return func(hc huma.Context) {
		b := a.JSON()
		if b == nil {
			b, _ = json.Marshal(a)
			b = append(b, '\n')
		}
		hc.SetHeader("Content-Type", "application/json")
		hc.SetHeader("Content-Length", strconv.Itoa(len(b)))
		hc.SetStatus(http.StatusOK)
		_, _ = hc.BodyWriter().Write(b)
	}
}

// RequestLang is the language of a request: an explicit lang parameter
// ("en", "fr") when valid, else the best of the Accept-Language header
// (equivalence.MatchLang), else English.
func RequestLang(param, acceptLanguage string) equivalence.Lang {
	if l, ok := equivalence.ParseLang(param); ok {
		return l
	}
	return equivalence.MatchLang(acceptLanguage)
}

// queryField prefixes a question's validation error with "query.".
func queryField(err error) error {
	if ve, ok := err.(*registry.ValidationError); ok {
		return &registry.ValidationError{Field: "query." + ve.Field, Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
	}
	return err
}
