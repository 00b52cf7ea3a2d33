package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
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
	// ExtraJWKs, if set, returns public JWKs published in
	// /.well-known/jwks.json after the node's entry keys, asked at each
	// request: the webhook keys (two during a rotation's overlap), whose
	// "use" is jose.WebhookKeyUse so that no peer loads them as entry keys.
	ExtraJWKs func() []json.RawMessage
	// Metrics are served at /metrics; default a fresh set (NewMetrics).
	Metrics *Metrics
	// AccessLogLevel is the level of the access log's lines (default
	// info; set it above error to silence them).
	AccessLogLevel slog.Level
	// AllowedOrigins may read the public API from a browser (CORS): exact
	// origins such as https://example.ca, or "*". Writes are never allowed.
	AllowedOrigins []string
	// Ready lists more conditions of GET /readyz than the node's own
	// (store open, signing key loaded), e.g. the federation's.
	Ready []ReadyCheck
}

type server struct {
	node      *node.Node
	log       *slog.Logger
	metrics   *Metrics
	ready     []ReadyCheck
	extraJWKs func() []json.RawMessage
	rules     map[string]ruleCheck // by body schema ref (rules.go)
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

// Metrics returns the node's metrics, for operation sets to register
// their collectors with.
func (h *Helpers) Metrics() *Metrics { return h.s.metrics }

// isAdmin reports whether an Authorization header carries a valid token of
// the program administrator (for public reads that show more to it).
func (h *Helpers) isAdmin(authorization string) bool {
	if authorization == "" {
		return false
	}
	p, err := h.s.principal(authorization)
	return err == nil && p.Role == node.RoleAdmin
}

// PrincipalOf returns the authenticated caller of a write operation.
func PrincipalOf(ctx context.Context) node.Principal { return principalOf(ctx) }

// huma matches a body's member names to the schema's ignoring case (as
// encoding/json matches them to fields), so {"Reason":"x"} passed as
// "reason". Member names are case-sensitive on corfed's wire: a name
// spelled otherwise is an unknown member, refused at its location
// (body.Reason). huma has this as a package setting; only this package
// uses huma in corfed's binaries.
func init() { huma.ValidateStrictCasing = true }

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
		"Errors are RFC 9457 problems (application/problem+json), in French when the request's lang parameter is fr " +
		"(on the operations that take one) or, without one, when its Accept-Language prefers French " +
		"(title, detail and each errors[].message; locations, values and codes do not change): Content-Language says which, " +
		"with Vary: Accept-Language."
	cfg.Info.License = &huma.License{Name: "Open Government Licence - Canada", URL: "https://open.canada.ca/en/open-government-licence-canada"}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The node that serves this document."}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "A token from `corfed token`: the program administrator, or a certifying partner."},
	}
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[registry.Date](), reflect.TypeFor[dateSchema]())
	return cfg
}

// New returns the node's HTTP handler. It has an Observe method (see
// Edge) for the routes served beside the API.
func New(cfg Config) http.Handler {
	h, _ := NewAPI(cfg)
	return h
}

// Edge is the handler NewAPI returns: the API's router, and Observe for
// the routes another handler serves beside it (the verification site's
// pages), so that every request the node answers is counted and logged
// the same way.
type Edge struct {
	http.Handler
	log     *slog.Logger
	level   slog.Level
	metrics *Metrics
}

// Observe returns h with the edge's request id, access log line and
// request metrics, counted under route: a route the caller registers
// (such as "/certificates/{id}"), never the request's path.
func (e *Edge) Observe(route string, h http.Handler) http.Handler {
	return withRequestInfo(accessLog(e.log, e.level, e.metrics, func(*http.Request) (string, string) { return route, route })(h))
}

// chiRoute is an API request's route pattern ("unmatched" when no route
// took it) and its operation: the operationId of the pattern, or the
// pattern itself.
func chiRoute(operation func(method, pattern string) string) func(r *http.Request) (string, string) {
	return func(r *http.Request) (string, string) {
		pattern := ""
		if rc := chi.RouteContext(r.Context()); rc != nil {
			pattern = rc.RoutePattern()
		}
		if pattern == "" {
			pattern = "unmatched"
		}
		return pattern, operation(r.Method, pattern)
	}
}

// NewAPI returns the handler and its huma API (for the spec).
func NewAPI(cfg Config) (http.Handler, huma.API) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	s := &server{node: cfg.Node, log: cfg.Logger, metrics: cfg.Metrics, ready: cfg.Ready, extraJWKs: cfg.ExtraJWKs}
	cfg.Metrics.registerNodeMetrics(cfg.Node)
	ops := map[string]string{} // "METHOD pattern" -> operationId, filled once the API is built
	operation := func(method, pattern string) string {
		if id, ok := ops[method+" "+pattern]; ok {
			return id
		}
		if method == http.MethodHead {
			if id, ok := ops[http.MethodGet+" "+pattern]; ok {
				return id
			}
		}
		return pattern
	}
	rc := newReadCache(cfg.Node)
	r := chi.NewMux()
	r.Use(withRequestInfo, recoverer(cfg.Logger), securityHeaders, accessLog(cfg.Logger, cfg.AccessLogLevel, cfg.Metrics, chiRoute(operation)),
		cors(cfg.AllowedOrigins), middleware.GetHead, checkQuery, limitBody(MaxBodyBytes), writeDeadlines, textHygiene, rc.middleware, s.preconditions, etagged)
	hc := NewConfig()
	hc.Transformers = append(hc.Transformers, s.publicProblems)
	api := humachi.New(r, hc)
	rc.api = api
	s.register(api)
	for _, f := range cfg.Extra {
		f(api, &Helpers{s})
	}
	s.indexRules(api)
	documentBodyStatuses(api.OpenAPI())
	for path, item := range api.OpenAPI().Paths {
		for method, o := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
			http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if o != nil {
				ops[method+" "+path] = o.OperationID
			}
		}
	}
	registerDocs(r)
	r.Method(http.MethodGet, "/metrics", cfg.Metrics.handler())
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, "Not found", detailNoRoute)
	})
	mux := r
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		// RFC 9110 15.5.6: a 405 lists the methods the path takes.
		w.Header().Set("Allow", allowedMethods(mux, r))
		writeProblem(w, r, http.StatusMethodNotAllowed, "Method not allowed", detailMethod)
	})
	return &Edge{Handler: r, log: cfg.Logger, level: cfg.AccessLogLevel, metrics: cfg.Metrics}, api
}

// allowedMethods is the Allow header of a 405 on r's path: the standard
// methods mux routes for it (HEAD with GET: middleware.GetHead answers it).
func allowedMethods(mux chi.Routes, r *http.Request) string {
	path := r.URL.RawPath
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		path = rctx.RoutePath
	}
	if path == "" {
		path = r.URL.Path
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if mux.Match(chi.NewRouteContext(), m, path) || m == http.MethodHead && slices.Contains(allow, http.MethodGet) {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// writeProblem writes a problem outside huma, in the language r prefers.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	writeProblemErrors(w, r, status, title, detail, nil)
}

// writeProblemErrors is writeProblem with errors[] (their messages in
// English: fixed sentences of the catalogue, said in French here when r
// prefers it).
func writeProblemErrors(w http.ResponseWriter, r *http.Request, status int, title, detail string, errs []*huma.ErrorDetail) {
	p := huma.ErrorModel{Type: "about:blank", Status: status, Title: title, Detail: detail, Errors: errs}
	french := frenchOf(r.Context())
	if french {
		inFrench(&p)
	}
	languageHeaders(w.Header(), french)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	b, _ := jsonMarshal(p)
	_, _ = w.Write(b)
}

// checkQuery refuses a query string that does not decode (a malformed
// percent-encoding, a semicolon separator) with a 400 problem naming the
// parameter: url.Query, which huma reads, silently drops such a pair, so
// a filter the caller sent would be ignored.
//
// It refuses a parameter given twice too: no parameter of the API is a
// list, and huma reads the first value only, so dry_run=false&dry_run=true
// would write (review s26-u).
func checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.ContainsAny(r.URL.RawQuery, "%;") {
			// Only an escape or a semicolon can fail to decode: most
			// queries (a recognition question's) are not parsed here at
			// all, so the check adds no allocation to them.
			if name, twice := repeatedName(r.URL.RawQuery); twice {
				writeRepeated(w, r, name)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		q, qerr := url.ParseQuery(r.URL.RawQuery)
		if qerr == nil {
			for _, name := range slices.Sorted(maps.Keys(q)) {
				if len(q[name]) > 1 {
					writeRepeated(w, r, name)
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		var errs []*huma.ErrorDetail
		for _, pair := range strings.Split(r.URL.RawQuery, "&") {
			if len(errs) == 10 {
				break
			}
			if strings.Contains(pair, ";") {
				errs = append(errs, &huma.ErrorDetail{Location: "query", Message: "a semicolon is not a separator: use &"})
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(name)
			if err != nil {
				errs = append(errs, &huma.ErrorDetail{Location: "query", Message: "a parameter name has a malformed percent-encoding (% and two hex digits)"})
				continue
			}
			if _, err := url.QueryUnescape(value); err != nil {
				errs = append(errs, &huma.ErrorDetail{Location: "query." + strictjson.Clip(key), Message: "malformed percent-encoding (% and two hex digits)"})
			}
		}
		if len(errs) == 0 {
			errs = []*huma.ErrorDetail{{Location: "query", Message: qerr.Error()}}
		}
		writeProblemErrors(w, r, http.StatusBadRequest, "Bad Request", detailQuery, errs)
	})
}

// repeatedName reports the first parameter name that raw (a query with no
// escape) gives twice, comparing names in place: a query has a few
// parameters, so the pairs are compared with each other.
func repeatedName(raw string) (string, bool) {
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		name, _, _ := strings.Cut(pair, "=")
		if name == "" {
			continue
		}
		for later := rest; later != ""; {
			var p string
			p, later, _ = strings.Cut(later, "&")
			if n, _, _ := strings.Cut(p, "="); n == name {
				return strings.ReplaceAll(name, "+", " "), true
			}
		}
	}
	return "", false
}

func writeRepeated(w http.ResponseWriter, r *http.Request, name string) {
	writeProblemErrors(w, r, http.StatusBadRequest, "Bad Request", detailQuery, []*huma.ErrorDetail{{
		Location: "query." + strictjson.Clip(name),
		Message:  "given more than once: every parameter is one value, give it once"}})
}

// limitBody refuses bodies over limit (over bodyLimit for the paths that
// take larger ones) with a 413 problem at body before huma reads
// them (huma enforces its own per-operation limit too).
func limitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength <= limit {
				next.ServeHTTP(w, r)
				return
			}
			if most := max(limit, bodyLimit(r.URL.Path)); r.ContentLength > most {
				writeProblemErrors(w, r, http.StatusRequestEntityTooLarge, "Request body too large", detailTooLarge, []*huma.ErrorDetail{{
					Location: "body", Message: sayf(frenchOf(r.Context()), "%d bytes: this operation takes at most %d", r.ContentLength, most)}})
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
		s.auditRefusal(ctx.Context(), http.StatusUnauthorized, err)
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="corfed"`)
		ctx.SetHeader("Content-Type", "application/problem+json")
		pr := huma.ErrorModel{Type: "about:blank", Title: "Unauthenticated", Status: http.StatusUnauthorized, Detail: publicAuthDetail(err)}
		french := frenchOf(ctx.Context())
		if french {
			inFrench(&pr)
		}
		humaLanguageHeaders(ctx, french)
		ctx.SetStatus(http.StatusUnauthorized)
		b, _ := jsonMarshal(pr)
		_, _ = ctx.BodyWriter().Write(b)
		return
	}
	next(huma.WithContext(ctx, node.WithPrincipal(ctx.Context(), p)))
}

// publicAuthDetail is the stable message a refused token gets; the full
// error is in the audit log.
func publicAuthDetail(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, errNoToken):
		return detailNoToken
	case errors.Is(err, errBadHeader):
		return detailBadHeader
	case strings.Contains(msg, "revoked"):
		return detailRevoked
	case strings.Contains(msg, "expired or not yet valid"):
		return detailExpired
	case strings.Contains(msg, "lifetime over"):
		return detailLifetime
	}
	return detailUnauthorized
}

var (
	errNoToken   = errors.New("missing Authorization header")
	errBadHeader = errors.New("malformed Authorization header: want `Bearer <token>`")
)

// principalOf returns the principal authenticate put in ctx.
func principalOf(ctx context.Context) node.Principal { return node.PrincipalFrom(ctx) }

func (s *server) principal(authorization string) (node.Principal, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if authorization == "" {
		return node.Principal{}, errNoToken
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return node.Principal{}, errBadHeader
	}
	return s.node.Authenticate(strings.TrimSpace(token))
}

var bearer = []map[string][]string{{"bearer": {}}}

// public is the security of an operation anyone may call: stated, so that
// tools know it needs no token.
var public = []map[string][]string{}

// op is a public operation. Every operation documents the 4xx it may
// answer: 400 (a query whose percent-encoding does not decode, checkQuery;
// on a body operation also a body that is not JSON, and on a write a
// condition it does not take), 422 (a parameter of the wrong shape, or an
// unknown one), and 404 when its path names a resource. An operation with
// a body also documents 413 and 415 (documentBodyStatuses, once huma knows
// which operations take one).
func op(id, method, path, summary string, tags ...string) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags,
		MaxBodyBytes: MaxBodyBytes, BodyReadTimeout: 10 * time.Second, Security: public,
		Errors:      []int{http.StatusBadRequest, http.StatusUnprocessableEntity},
		Middlewares: huma.Middlewares{checkTextIssues}} // a public POST's body is checked as a write's
	if strings.Contains(path, "{") {
		o.Errors = append([]int{http.StatusNotFound}, o.Errors...)
	}
	return o
}

// rawContent is the 200 of an operation that answers raw bytes of media
// type ctype (a []byte body, which huma would document as a base64 JSON
// string), whose body schema is schema.
func rawContent(description, ctype string, schema *huma.Schema) map[string]*huma.Response {
	return map[string]*huma.Response{"200": {Description: description, Content: map[string]*huma.MediaType{ctype: {Schema: schema}}}}
}

// documentBodyStatuses documents, on every operation that reads a body,
// the two answers the edge gives before its schema is read: 413 (over the
// body limit, limitBody or huma's MaxBodyBytes) and 415 (a Content-Type
// other than JSON). op and writeOp cannot: huma learns from the handler's
// input type, at registration, which operations take a body.
func documentBodyStatuses(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, o := range []*huma.Operation{item.Post, item.Put, item.Patch, item.Delete, item.Get} {
			if o == nil || o.RequestBody == nil {
				continue
			}
			problem := o.Responses[strconv.Itoa(http.StatusUnprocessableEntity)]
			if problem == nil {
				continue
			}
			for _, code := range []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType} {
				if _, ok := o.Responses[strconv.Itoa(code)]; !ok {
					o.Responses[strconv.Itoa(code)] = &huma.Response{Description: http.StatusText(code), Content: problem.Content}
				}
			}
		}
	}
}

func (s *server) writeOp(id, method, path, summary string, status int, tags ...string) huma.Operation {
	o := op(id, method, path, summary, tags...)
	o.Security = bearer
	o.Middlewares = huma.Middlewares{s.authenticate, checkTextIssues}
	o.DefaultStatus = status
	o.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	if strings.Contains(path, "{") {
		o.Errors = append([]int{http.StatusNotFound}, o.Errors...)
	}
	if conditionalPattern(method, path) {
		o.Errors = append(o.Errors, http.StatusPreconditionFailed)
		o.Parameters = append(o.Parameters, conditionParams...)
	}
	if method == http.MethodPut {
		o.Description = putDescription
	}
	return o
}

// putDescription is every PUT's: what a member left out means (omitted.go).
const putDescription = "The body is the whole new record (of the members this body has). " +
	"A member the body leaves out that the stored record holds with a value is refused, with 422 and one error at `body.<member>` for each " +
	"(also a member of an object the body sends, e.g. `body.report_deadline.submit_days`), and nothing is stored: " +
	"send the stored value to keep it, or the member empty (`[]`, `\"\"`, `{}`, `0`, `false`) or `null` to clear it. " +
	"An element of a list that is the same element as a stored one (an employer's WCB account: its jurisdiction and number; " +
	"a presence: its jurisdiction and operating_since; an auditor's credential: its cp, kind and certified_on) is checked in the same way, " +
	"with one error at `body.<list>[<i>].<member>` (e.g. `body.wcb_accounts[1].closed_on`): send `null` to clear such a member " +
	"(a date cannot be sent empty). A new element, and a list whose elements have no identity, are not concerned. " +
	"Read the record first (GET, with its ETag for `If-Match`) and send it back changed. " +
	"A PUT that creates the record is not concerned."
