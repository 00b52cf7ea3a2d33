package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Version is the API version in the OpenAPI document.
const Version = "1.0.0"

// MaxBodyBytes bounds every request body. Larger bodies get a 413 problem.
const MaxBodyBytes = 64 << 10

// Extension registers more operations on the API (Config.Extra). It lets
// cmd wire operations without importing huma: only openapi does.
type Extension = func(api huma.API, h *Helpers)

// Config wires the HTTP edge to the services behind it.
type Config struct {
	Node   *node.Node
	Logger *slog.Logger
	// Extra registers more operations (the federation's) on the same API.
	Extra []Extension
	// ExtraJWKs are public JWKs published in /.well-known/jwks.json after
	// the node's entry keys: the webhook key, whose "use" is
	// jose.WebhookKeyUse so that no peer loads it as an entry key.
	ExtraJWKs []json.RawMessage
}

type server struct {
	node      *node.Node
	log       *slog.Logger
	extraJWKs []json.RawMessage
}

// Helpers gives extra operation sets the edge's shared pieces.
type Helpers struct{ s *server }

// Problem maps a service error to an RFC 9457 problem.
func (h *Helpers) Problem(ctx context.Context, err error) error { return h.s.problem(ctx, err) }

// WriteOp returns an operation that requires a bearer token; the handler
// finds the caller with PrincipalOf.
func (h *Helpers) WriteOp(id, method, path, summary string, status int, tags ...string) huma.Operation {
	return h.s.writeOp(id, method, path, summary, status, tags...)
}

// Op returns a public operation with corfed's defaults.
func (h *Helpers) Op(id, method, path, summary string, tags ...string) huma.Operation {
	return op(id, method, path, summary, tags...)
}

// PrincipalOf returns the authenticated caller of a write operation.
func PrincipalOf(ctx context.Context) node.Principal { return principalOf(ctx) }

// NewConfig returns the huma configuration corfed serves: OpenAPI 3.1 at
// /openapi.json, no $schema links in bodies, unknown query parameters
// refused, bearer security documented.
func NewConfig() huma.Config {
	cfg := huma.DefaultConfig("corfed registry node", Version)
	cfg.CreateHooks = nil // no $schema member or Link header in responses
	cfg.DocsPath = ""     // served by docsHandler, with local assets
	cfg.RejectUnknownQueryParameters = true
	cfg.Info.Description = "A provincial Certificate of Recognition (COR) registry node. Every record version is signed " +
		"(compact JWS, keys at /.well-known/jwks.json) and placed in the node's feed (/v1/feed). " +
		"Errors are RFC 9457 problems (application/problem+json)."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "A token from `corfed token`: the program administrator, or a certifying partner."},
	}
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[registry.Date](), reflect.TypeFor[dateSchema]())
	return cfg
}

// New returns the node's HTTP handler.
func New(cfg Config) http.Handler {
	h, _ := NewAPI(cfg)
	return h
}

// NewAPI returns the handler and its huma API (for the spec).
func NewAPI(cfg Config) (http.Handler, huma.API) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &server{node: cfg.Node, log: cfg.Logger, extraJWKs: cfg.ExtraJWKs}
	r := chi.NewMux()
	r.Use(recoverer(cfg.Logger), limitBody(MaxBodyBytes))
	api := humachi.New(r, NewConfig())
	s.register(api)
	for _, f := range cfg.Extra {
		f(api, &Helpers{s})
	}
	registerDocs(r)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "Not found", "no route for "+r.Method+" "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed on "+r.URL.Path)
	})
	return r, api
}

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	b, _ := jsonMarshal(huma.ErrorModel{Type: "about:blank", Status: status, Title: title, Detail: detail})
	_, _ = w.Write(b)
}

// recoverer turns a panic into a logged 500 problem: a client never sees a
// stack or a dropped connection.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic", slog.Any("panic", v), slog.String("path", r.URL.Path))
					writeProblem(w, http.StatusInternalServerError, "Internal Server Error", "The node could not answer; the error is logged.")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// limitBody refuses bodies over max with a 413 problem before huma reads
// them (huma enforces its own per-operation limit too).
func limitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := max
			if bulkPaths[r.URL.Path] {
				limit = BulkBodyBytes
			}
			if r.ContentLength > limit {
				writeProblem(w, http.StatusRequestEntityTooLarge, "Request body too large",
					fmt.Sprintf("bodies are limited to %d bytes", limit))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// authenticate is the middleware of every write: it checks the bearer
// token before huma reads the body, so an unauthenticated caller gets 401
// whatever it sent, and hands the principal to the handler in the context.
func (s *server) authenticate(ctx huma.Context, next func(huma.Context)) {
	p, err := s.principal(ctx.Header("Authorization"))
	if err != nil {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="corfed"`)
		ctx.SetHeader("Content-Type", "application/problem+json")
		ctx.SetStatus(http.StatusUnauthorized)
		b, _ := jsonMarshal(huma.ErrorModel{Type: "about:blank", Title: "Unauthenticated", Status: http.StatusUnauthorized, Detail: err.Error()})
		_, _ = ctx.BodyWriter().Write(b)
		return
	}
	next(huma.WithValue(ctx, principalKey{}, p))
}

type principalKey struct{}

// principalOf returns the principal authenticate put in ctx.
func principalOf(ctx context.Context) node.Principal {
	p, _ := ctx.Value(principalKey{}).(node.Principal)
	return p
}

func (s *server) principal(authorization string) (node.Principal, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if authorization == "" {
		return node.Principal{}, errors.New("missing Authorization header: send `Authorization: Bearer <token>` (see `corfed token`)")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return node.Principal{}, errors.New("malformed Authorization header: want `Bearer <token>`")
	}
	return s.node.Authenticate(strings.TrimSpace(token))
}

var bearer = []map[string][]string{{"bearer": {}}}

func op(id, method, path, summary string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags,
		MaxBodyBytes: MaxBodyBytes, BodyReadTimeout: 10 * time.Second}
}

func (s *server) writeOp(id, method, path, summary string, status int, tags ...string) huma.Operation {
	o := op(id, method, path, summary, tags...)
	o.Security = bearer
	o.Middlewares = huma.Middlewares{s.authenticate}
	o.DefaultStatus = status
	o.Errors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity}
	return o
}
