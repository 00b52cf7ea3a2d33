package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// dateSchema documents registry.Date on the wire: a calendar date,
// YYYY-MM-DD, in the years registry.ParseDate accepts (1900 to 2999).
// huma checks the format and the years before the handler runs, so a date
// out of range is refused at its own field (body.issued_on): a date that
// passed the schema and failed to decode would be refused at "body", and
// the record rules would then call the member missing.
type dateSchema string

// datePattern is the years registry.ParseDate accepts; the format checks
// the month and day.
const datePattern = `^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$`

func (dateSchema) Schema(huma.Registry) *huma.Schema {
	// No PatternDescription: huma writes it into the document, where
	// OpenAPI has no such keyword (redocly refuses it); the problems say
	// it instead (datePatternMessage).
	return &huma.Schema{Type: huma.TypeString, Format: "date", Pattern: datePattern, Examples: []any{"2026-11-25"},
		Description: "A calendar date, YYYY-MM-DD (no time, no zone), from 1900 to 2999."}
}

// Record is one signed record version as every read returns it: the
// envelope's fields, the record, and the compact JWS that proves them.
type Record[T any] struct {
	Iss    registry.Jurisdiction `json:"iss" doc:"The issuing node's jurisdiction (ISO 3166-2:CA)."`
	Seq    uint64                `json:"seq" doc:"Position in the issuing node's feed."`
	Kind   registry.Kind         `json:"kind"`
	ID     string                `json:"id"`
	Ver    uint64                `json:"ver" doc:"Record version, from 1."`
	Iat    int64                 `json:"iat" doc:"When the node signed this version (Unix seconds)."`
	By     *registry.Author      `json:"by,omitempty" doc:"Who asked for this version (signed in the envelope); absent for the node's own entries and entries from before attribution."`
	Record T                     `json:"record"`
	JWS    string                `json:"jws" doc:"Compact JWS (EdDSA or ES256, kid in the protected header) whose payload is {iss,seq,kind,id,ver,iat[,by],record}; verify it against /.well-known/jwks.json."`
}

func record[T any](e registry.Entry) (Record[T], error) {
	r := Record[T]{Iss: e.Iss, Seq: e.Seq, Kind: e.Kind, ID: e.ID, Ver: e.Ver, Iat: e.Iat, By: e.By, JWS: e.JWS}
	err := json.Unmarshal(e.Record, &r.Record)
	return r, err
}

// CertificateRecord is a certificate version with its status on the date asked.
type CertificateRecord struct {
	Record[registry.Certificate]
	AsOf       registry.Date `json:"as_of" doc:"The date status_as_of answers for (default: today in the node's jurisdiction)."`
	StatusAsOf string        `json:"status_as_of" doc:"Status on as_of, derived from the signed history; pending before the issue date."`
	IAFStatus  string        `json:"iaf_status_as_of,omitempty" doc:"status_as_of in IAF CertSearch's vocabulary (active, suspended, withdrawn, expired)."`
}

func certificateRecord(v node.CertificateView) CertificateRecord {
	return CertificateRecord{
		Record: Record[registry.Certificate]{Iss: v.Entry.Iss, Seq: v.Entry.Seq, Kind: v.Entry.Kind, ID: v.Entry.ID,
			Ver: v.Entry.Ver, Iat: v.Entry.Iat, By: v.Entry.By, Record: v.Certificate, JWS: v.Entry.JWS},
		AsOf: v.AsOf, StatusAsOf: v.StatusAsOf, IAFStatus: registry.IAFStatus(v.StatusAsOf),
	}
}

// FeedEntry is one entry of a feed: the envelope fields, the record as
// signed, and the JWS.
type FeedEntry struct {
	Iss    registry.Jurisdiction `json:"iss"`
	Seq    uint64                `json:"seq"`
	Kind   registry.Kind         `json:"kind"`
	ID     string                `json:"id"`
	Ver    uint64                `json:"ver"`
	Iat    int64                 `json:"iat"`
	By     *registry.Author      `json:"by,omitempty"`
	Record json.RawMessage       `json:"record"`
	JWS    string                `json:"jws"`
}

// CertificateIn is the body that creates a certificate. Defaults are stated
// in doc text, not as schema defaults: generated clients (openapi-typescript)
// make a member with a schema default required.
type CertificateIn struct {
	Issuer        string        `json:"issuer" pattern:"^[A-Z][A-Z0-9]{1,15}$" doc:"The issuing certifying partner's id; a CP token may name only itself."`
	Number        string        `json:"number" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$" doc:"The CP's certificate number."`
	Program       string        `json:"program" enum:"COR,SECOR"`
	EmployerBN    string        `json:"employer_bn" pattern:"^[0-9]{9}$" doc:"BN9 of an employer registered on this node."`
	WCBAccounts   []string      `json:"wcb_accounts,omitempty" maxItems:"50"`
	IndustryScope []string      `json:"industry_scope,omitempty" maxItems:"50" doc:"Industry codes (2 to 6 digits)."`
	Sector        string        `json:"sector,omitempty" maxLength:"64" example:"construction" doc:"A CP token may give only a sector its CP is registered for (by name, or an industry code under one of its codes; any sector when the CP lists none); the program administrator any."`
	Basis         string        `json:"basis,omitempty" enum:"audit,iso_equivalency" doc:"Default: audit."`
	BasisRef      string        `json:"basis_ref,omitempty" maxLength:"64" doc:"The audit id, or for iso_equivalency the equivalency record id. An audit recorded on this node backs one certificate: one that another certificate, not superseded, already names is refused."`
	IssuedOn      registry.Date `json:"issued_on,omitzero" doc:"The last on-site day of the audit. Optional when basis_ref names an audit recorded on this node: the certificate then takes that audit's last on-site day (and its term from the documentation months)."`
	TermMonths    int           `json:"term_months,omitempty" enum:"12,36" doc:"36, or 12 when the employer has 3 to 11 months of documentation. Default: 36."`
	DocMonths     int           `json:"documentation_months,omitempty" minimum:"0" maximum:"600"`
	ExpiresOn     registry.Date `json:"expires_on,omitzero" doc:"Optional; must equal issued_on + term (or the day before). Computed when absent."`
	Status        string        `json:"status,omitempty" enum:"active,pending" doc:"Default: active."`
	Reason        string        `json:"reason,omitempty" maxLength:"500"`

	ProgramDefinition string `json:"program_definition,omitempty" pattern:"^[A-Z][A-Z0-9]{1,15}$" doc:"The id of this jurisdiction's program definition the certificate is issued under, when it is not program itself (ECOR, an enhanced COR, leads to COR). Taken from the basis audit when basis_ref names an audit recorded on this node; given, it must be a program of this node that leads to program. Recognition rules may name it."`
}

// CertificateUpdateIn corrects a certificate's descriptive fields.
type CertificateUpdateIn struct {
	WCBAccounts   []string `json:"wcb_accounts,omitempty" maxItems:"50"`
	IndustryScope []string `json:"industry_scope,omitempty" maxItems:"50"`
	Sector        string   `json:"sector,omitempty" maxLength:"64" doc:"A CP token may change it only to a sector its CP is registered for (as on create); it may keep the one stored."`
}

// StatusIn asks for a status change.
type StatusIn struct {
	Action       string        `json:"action" enum:"activate,suspend,reinstate,cancel,revoke,expire,supersede,annul" doc:"annul marks the change taking effect on 'on' as a mistake (program administrator; the change stays in the history, marked)."`
	Reason       string        `json:"reason" minLength:"1" maxLength:"500" doc:"Why: recorded in the signed history."`
	On           registry.Date `json:"on,omitzero" doc:"When the change takes effect (default: today in the node's jurisdiction). A date before the last recorded change is a correction: the program administrator records it, marked, with who and when."`
	SupersededBy string        `json:"superseded_by,omitempty" maxLength:"64"`
}

// check is what the node checks of a status change from the body alone,
// done before it reads the certificate: a 409 for the certificate's state
// (reinstate an active certificate) no longer hides a body that would be
// refused whatever the state.
func (q StatusIn) check(ctx context.Context, id string) error {
	switch {
	case q.Action == registry.ActionSupersede && (q.SupersededBy == "" || q.SupersededBy == id):
		return fieldProblem(ctx, "body.superseded_by", "name the certificate that supersedes %s", id)
	case q.Action != registry.ActionSupersede && q.SupersededBy != "":
		return fieldProblem(ctx, "body.superseded_by", "only with action supersede")
	}
	return nil
}

// EquivalencyIn records an employer's ISO/CSA 45001 certification.
type EquivalencyIn struct {
	EmployerBN           string                  `json:"employer_bn" pattern:"^[0-9]{9}$"`
	Standard             string                  `json:"standard" enum:"ISO 45001:2018,CSA Z45001:19,CSA Z1000:14"`
	ExternalNumber       string                  `json:"external_number" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$" doc:"The certification body's certificate number."`
	CertificationBody    string                  `json:"certification_body" minLength:"1" maxLength:"200"`
	AccreditationBody    string                  `json:"accreditation_body,omitempty" maxLength:"200"`
	IAFAccredited        bool                    `json:"iaf_accredited,omitempty" doc:"The certificate carries an IAF-recognized accreditation body's mark."`
	ValidFrom            registry.Date           `json:"valid_from"`
	ValidTo              registry.Date           `json:"valid_to"`
	ScopeText            string                  `json:"scope_text,omitempty" maxLength:"2000"`
	IndustryCodes        []string                `json:"industry_codes,omitempty" maxItems:"50"`
	Provinces            []registry.Jurisdiction `json:"provinces,omitempty" maxItems:"13"`
	ScopeAligned         bool                    `json:"scope_aligned,omitempty" doc:"The audit scope covers all of the employer's operations."`
	Decision             string                  `json:"decision,omitempty" enum:"pending,accepted,rejected," doc:"Default (or empty): pending."`
	ResultingCertificate string                  `json:"resulting_certificate,omitempty" maxLength:"64"`
	Status               string                  `json:"status,omitempty" enum:"active,suspended,withdrawn,expired," doc:"Default (or empty): active."`
}

func (q EquivalencyIn) record(id string) registry.Equivalency {
	return registry.Equivalency{ID: id, EmployerBN: q.EmployerBN, Standard: q.Standard, ExternalNumber: q.ExternalNumber,
		CertificationBody: q.CertificationBody, AccreditationBody: q.AccreditationBody, IAFAccredited: q.IAFAccredited,
		ValidFrom: q.ValidFrom, ValidTo: q.ValidTo, ScopeText: q.ScopeText, IndustryCodes: q.IndustryCodes,
		Provinces: q.Provinces, ScopeAligned: q.ScopeAligned, Decision: q.Decision,
		ResultingCertificate: q.ResultingCertificate, Status: q.Status}
}

// BNParam is a query parameter naming an employer by BN9 (always "bn").
// Its check digit is checked as a huma resolver, whose errors huma merges
// with the schema's: a request whose other parameters the schema refuses
// still hears that the BN fails its check digit, in the same 422.
type BNParam string

// Resolve checks the BN's check digit when it has the schema's shape (nine
// digits; otherwise the schema has said so).
func (b *BNParam) Resolve(ctx huma.Context) []error {
	s := string(*b)
	if s == "" || len(s) != 9 || strings.Trim(s, "0123456789") != "" {
		return nil
	}
	var ve *registry.ValidationError
	if err := registry.CheckBN("query.bn", s); errors.As(err, &ve) {
		return []error{&huma.ErrorDetail{Location: ve.Field, Message: reasonIn(frenchOf(ctx.Context()), ve), Value: s}}
	}
	return nil
}
