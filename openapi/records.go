package openapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

type bodyOut[T any] struct{ Body T }

type IDPath struct {
	ID string `path:"id" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" maxLength:"64"`
}

type AsOfQuery struct {
	AsOf string `query:"as_of" format:"date" doc:"Answer with the status on this date (YYYY-MM-DD); default today in the node's jurisdiction."`
}

func (q AsOfQuery) date(ctx context.Context) (registry.Date, error) {
	if q.AsOf == "" {
		return registry.Date{}, nil
	}
	d, err := registry.ParseDate(q.AsOf)
	if err != nil {
		return d, fieldProblem(ctx, "query.as_of", "%v", err)
	}
	return d, nil
}

// Health is the /healthz answer.
type Health struct {
	Status       string                `json:"status" example:"ok"`
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	FeedSize     uint64                `json:"feed_size" doc:"Entries in the node's feed."`
	ActiveKID    string                `json:"active_kid"`
}

// Feed is a page of a node's feed.
type Feed struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Size         uint64                `json:"size" doc:"Entries in the feed now."`
	Entries      []FeedEntry           `json:"entries"`
	Next         uint64                `json:"next" doc:"Pass as after= to read on; equals size when the page reaches the end."`
}

// CertificateList is a page of a certificate search.
type CertificateList struct {
	Certificates  []CertificateRecord `json:"certificates"`
	Count         int                 `json:"count" doc:"Certificates on this page."`
	Total         int                 `json:"total" doc:"How many certificates match the search, on every page: exact when total_relation is eq. Searches by bn and/or number, and a search with no filter, count exactly. A name, status or program search counts from the start of the search, reading at most 1,000 index entries or certificates (so its cost does not grow with the registry): total_relation is eq when the count reached the end, else gte (at least total)."`
	TotalRelation string              `json:"total_relation" enum:"eq,gte" doc:"eq: total is exact; gte: there are at least total matches."`
	Cursor        string              `json:"cursor,omitempty" doc:"Pass as cursor= with the same filters for the next page; absent on the last page. Opaque; a page may hold fewer than limit certificates (a page reads a bounded part of the index) and still have a cursor."`
}

// CursorIn is the cursor query parameter of a paged list.
type CursorIn struct {
	Cursor string `query:"cursor" maxLength:"1024" doc:"The cursor of the previous page (same filters); refused (422) if altered or made for another list or other filters."`
}

// ListPage is the paging part of a list's answer.
type ListPage struct {
	Total         int    `json:"total" doc:"How many items the list has, on every page: exact when total_relation is eq, else at least this many (a count stops after 1,000 index entries, so its cost does not grow with the registry)."`
	TotalRelation string `json:"total_relation" enum:"eq,gte" doc:"eq: total is exact; gte: there are at least total items."`
	Cursor        string `json:"cursor,omitempty" doc:"Pass as cursor= with the same filters for the next page; absent on the last page. Opaque."`
}

func listPage[T any](p node.Page[T]) ListPage {
	return ListPage{Total: p.Total, TotalRelation: relation(p.TotalExact), Cursor: p.Next}
}

// relation is a list's total_relation.
func relation(exact bool) string {
	if exact {
		return "eq"
	}
	return "gte"
}

// EmployerOut is an employer with its certificates and equivalencies.
type EmployerOut struct {
	Employer      Record[registry.Employer]      `json:"employer"`
	Certificates  []CertificateRecord            `json:"certificates"`
	Equivalencies []Record[registry.Equivalency] `json:"equivalencies"`
}

func (s *server) register(api huma.API) {
	huma.Register(api, op("health", http.MethodGet, "/healthz", "Liveness and the node's identity", "node"),
		func(ctx context.Context, _ *struct{}) (*bodyOut[Health], error) {
			size, err := s.node.Size(ctx)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[Health]{Health{Status: "ok", Jurisdiction: s.node.Jurisdiction(), FeedSize: size, ActiveKID: s.node.ActiveKey().KID}}, nil
		})

	type jwksOut struct {
		ContentType  string `header:"Content-Type"`
		CacheControl string `header:"Cache-Control"`
		Body         []byte
	}
	jwks := op("jwks", http.MethodGet, "/.well-known/jwks.json", "The node's public signing keys (JWKS), active and retired", "node")
	jwks.Responses = rawContent("A JWK Set (RFC 7517): the node's entry keys, then any other key it publishes (the webhook key).",
		"application/jwk-set+json", &huma.Schema{Type: "object", Required: []string{"keys"}, Properties: map[string]*huma.Schema{
			"keys": {Type: "array", Items: &huma.Schema{Type: "object", Description: "A JWK (RFC 7517 section 4)."}}}})
	huma.Register(api, jwks,
		func(ctx context.Context, _ *struct{}) (*jwksOut, error) {
			b, err := s.node.PublicKeys().MarshalJWKS()
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			var extra []json.RawMessage
			if s.extraJWKs != nil {
				extra = s.extraJWKs()
			}
			if b, err = withJWKs(b, extra); err != nil {
				return nil, s.problem(ctx, err)
			}
			return &jwksOut{ContentType: "application/jwk-set+json", CacheControl: "max-age=300", Body: b}, nil
		})

	huma.Register(api, op("feed", http.MethodGet, "/v1/feed", "The node's signed entries in sequence order", "feed"),
		func(ctx context.Context, in *struct {
			After uint64 `query:"after" doc:"Return entries with seq greater than this."`
			Limit int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		}) (*bodyOut[Feed], error) {
			es, size, err := s.node.Feed(ctx, in.After, in.Limit)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			f := Feed{Jurisdiction: s.node.Jurisdiction(), Size: size, Entries: make([]FeedEntry, len(es)), Next: in.After}
			for i, e := range es {
				f.Entries[i] = FeedEntry(e)
				f.Next = e.Seq
			}
			if len(es) == 0 && in.After > size {
				f.Next = size
			}
			return &bodyOut[Feed]{f}, nil
		})

	huma.Register(api, op("search-certificates", http.MethodGet, "/v1/certificates", "Search this node's certificates", "certificates"),
		func(ctx context.Context, in *struct {
			BN      BNParam `query:"bn" pattern:"^[0-9]{9}$" doc:"Employer BN9."`
			Number  string  `query:"number" maxLength:"32" doc:"Certificate number (case-insensitive)."`
			Name    string  `query:"name" maxLength:"200" doc:"Employer name prefix, case- and accent-insensitive; &, \"and\" and \"et\" are alike."`
			Status  string  `query:"status" enum:"pending,active,suspended,cancelled,revoked,expired,superseded" doc:"Status on as_of."`
			Program string  `query:"program" enum:"COR,SECOR"`
			AsOfQuery
			Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
			Cursor string `query:"cursor" maxLength:"1024" doc:"The cursor of the previous page (same filters); refused (422) if altered or made for other filters."`
		}) (*bodyOut[CertificateList], error) {
			if in.BN != "" {
				if err := registry.CheckBN("query.bn", string(in.BN)); err != nil {
					return nil, s.problem(ctx, err)
				}
			}
			if in.Name != "" && registry.FoldName(in.Name) == "" {
				return nil, fieldProblem(ctx, "query.name", "the name has no letters or digits to search for")
			}
			asOf, err := in.date(ctx)
			if err != nil {
				return nil, err
			}
			r, err := s.node.SearchCertificatesPage(ctx, node.Query{BN: string(in.BN), Number: in.Number, Name: in.Name,
				Status: in.Status, Program: in.Program, AsOf: asOf, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := CertificateList{Certificates: make([]CertificateRecord, len(r.Certificates)), Count: len(r.Certificates), Cursor: r.Next}
			out.Total, out.TotalRelation = r.Total, relation(r.TotalExact)
			for i, v := range r.Certificates {
				out.Certificates[i] = certificateRecord(v)
			}
			return &bodyOut[CertificateList]{out}, nil
		})

	huma.Register(api, op("get-certificate", http.MethodGet, "/v1/certificates/{id}", "A certificate, newest version, with its status on a date", "certificates"),
		func(ctx context.Context, in *struct {
			IDPath
			AsOfQuery
		}) (*bodyOut[CertificateRecord], error) {
			asOf, err := in.date(ctx)
			if err != nil {
				return nil, err
			}
			v, err := s.node.Certificate(ctx, in.ID, asOf)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &bodyOut[CertificateRecord]{certificateRecord(v)}, nil
		})

	huma.Register(api, op("certificate-history", http.MethodGet, "/v1/certificates/{id}/versions", "Every signed version of a certificate, oldest first", "certificates"),
		func(ctx context.Context, in *IDPath) (*bodyOut[[]Record[registry.Certificate]], error) {
			return versions[registry.Certificate](ctx, s, registry.KindCertificate, in.ID)
		})

	type versionOut struct {
		CacheControl string `header:"Cache-Control"`
		Body         Record[registry.Certificate]
	}
	huma.Register(api, op("certificate-version", http.MethodGet, "/v1/certificates/{id}/versions/{ver}", "One signed version of a certificate (immutable: cached for a year)", "certificates"),
		func(ctx context.Context, in *struct {
			IDPath
			Ver uint64 `path:"ver" minimum:"1" doc:"The version, from 1."`
		}) (*versionOut, error) {
			e, err := s.node.Version(ctx, registry.KindCertificate, in.ID, in.Ver)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			r, err := record[registry.Certificate](e)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &versionOut{CacheControl: "public, max-age=31536000, immutable", Body: r}, nil
		})

	huma.Register(api, op("get-employer", http.MethodGet, "/v1/employers/{bn}", "An employer with its certificates and equivalencies", "employers"),
		func(ctx context.Context, in *struct {
			BN string `path:"bn" pattern:"^[0-9]{9}$"`
			AsOfQuery
		}) (*bodyOut[EmployerOut], error) {
			if err := registry.CheckBN("path.bn", in.BN); err != nil {
				return nil, s.problem(ctx, err)
			}
			asOf, err := in.date(ctx)
			if err != nil {
				return nil, err
			}
			v, err := s.node.Employer(ctx, in.BN, asOf)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := EmployerOut{Certificates: make([]CertificateRecord, len(v.Certificates)), Equivalencies: []Record[registry.Equivalency]{}}
			if out.Employer, err = record[registry.Employer](v.Employer); err != nil {
				return nil, s.problem(ctx, err)
			}
			for i, c := range v.Certificates {
				out.Certificates[i] = certificateRecord(c)
			}
			for _, e := range v.Equivalencies {
				r, err := record[registry.Equivalency](e)
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				out.Equivalencies = append(out.Equivalencies, r)
			}
			return &bodyOut[EmployerOut]{out}, nil
		})

	huma.Register(api, op("get-equivalency", http.MethodGet, "/v1/equivalencies/{id}", "An ISO/CSA 45001 equivalency record", "equivalencies"),
		func(ctx context.Context, in *IDPath) (*bodyOut[Record[registry.Equivalency]], error) {
			return one[registry.Equivalency](ctx, s, registry.KindEquivalency, in.ID)
		})

	huma.Register(api, op("list-cps", http.MethodGet, "/v1/cps", "This node's certifying partners", "certifying partners"),
		func(ctx context.Context, _ *struct{}) (*bodyOut[[]Record[registry.CertifyingPartner]], error) {
			es, err := s.node.All(ctx, registry.KindCP)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			out := make([]Record[registry.CertifyingPartner], 0, len(es))
			for _, e := range es {
				r, err := record[registry.CertifyingPartner](e)
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				out = append(out, r)
			}
			return &bodyOut[[]Record[registry.CertifyingPartner]]{out}, nil
		})
	huma.Register(api, op("get-cp", http.MethodGet, "/v1/cps/{id}", "A certifying partner", "certifying partners"),
		func(ctx context.Context, in *CPIn) (*bodyOut[CPOut], error) {
			return s.cpOut(ctx, in) // programops.go: with its QA record
		})

	s.registerReady(api)
	s.registerWrites(api)
	s.registerProgram(api) // programops.go
	s.registerImports(api)
	s.registerLog(api)
	s.registerTiles(api)
}

func one[T any](ctx context.Context, s *server, kind registry.Kind, id string) (*bodyOut[Record[T]], error) {
	e, err := s.node.Record(ctx, kind, id)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	r, err := record[T](e)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &bodyOut[Record[T]]{r}, nil
}

func versions[T any](ctx context.Context, s *server, kind registry.Kind, id string) (*bodyOut[[]Record[T]], error) {
	es, err := s.node.Versions(ctx, kind, id)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := make([]Record[T], len(es))
	for i, e := range es {
		if out[i], err = record[T](e); err != nil {
			return nil, s.problem(ctx, err)
		}
	}
	return &bodyOut[[]Record[T]]{out}, nil
}
