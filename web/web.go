package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config wires the site to the node's services.
type Config struct {
	Node    *node.Node
	Lookups *federation.Lookups
	Passes  *federation.Passes
	Logger  *slog.Logger
}

// Site is the node's public pages.
type Site struct {
	cfg   Config
	pages map[equivalence.Lang]map[string]*template.Template
}

// CSP is the Content-Security-Policy of every page: the node's own
// scripts, styles and images only (data: for nothing but images), no
// inline script or style, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"media-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// reasonHTML is a reason's sentence, escaped, with each part it quotes in
// another language (Reason.Quoted: a status reason typed in English, in a
// French sentence) in a span marked with that language, as WCAG 3.1.2 asks.
// The quotes are found from the end (a sentence quotes typed text after
// the identifiers it names, which the typed text may repeat).
func reasonHTML(r equivalence.Reason) template.HTML {
	type span struct {
		at   int
		q    equivalence.Quote
		done bool
	}
	spans := make([]span, len(r.Quoted))
	end := len(r.Text)
	for k := len(r.Quoted) - 1; k >= 0; k-- {
		q := r.Quoted[k]
		if q.Text == "" {
			continue
		}
		if i := strings.LastIndex(r.Text[:end], q.Text); i >= 0 {
			spans[k], end = span{i, q, true}, i
		}
	}
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		if !sp.done {
			continue
		}
		b.WriteString(template.HTMLEscapeString(r.Text[at:sp.at]))
		b.WriteString(`<span lang="`)
		b.WriteString(template.HTMLEscapeString(string(sp.q.Lang)))
		b.WriteString(`">`)
		b.WriteString(template.HTMLEscapeString(sp.q.Text))
		b.WriteString(`</span>`)
		at = sp.at + len(sp.q.Text)
	}
	b.WriteString(template.HTMLEscapeString(r.Text[at:]))
	return template.HTML(b.String())
}

// New parses the templates; it panics if they do not parse (they are
// embedded: a test catches it).
func New(cfg Config) *Site {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Site{cfg: cfg, pages: map[equivalence.Lang]map[string]*template.Template{}}
	funcs := template.FuncMap{
		"status":  func(l equivalence.Lang, st string) string { return equivalence.StatusWord(st, l) },
		"jur":     jurName,
		"jurOf":   jurOf,
		"jurIn":   jurIn,
		"jurIss":  jurIssued,
		"badge":   badgeClass,
		"outcome": func(l equivalence.Lang, o string) string { return equivalence.OutcomeText(o, l) },
		"basis":   func(l equivalence.Lang, b string) string { return equivalence.BasisText(b, l) },
		"join":    strings.Join,
		"list":    func(s ...string) []string { return s },
		// word is a value of an enumeration (an audit type, a credential
		// kind) as a catalog word: key "<group>.<value>".
		"word": func(l equivalence.Lang, group, v string) string { return msg(l, group+"."+v) },
		// pick is the text corfed wrote in English and French, in l.
		"pick": func(l equivalence.Lang, en, fr string) string {
			if l == equivalence.French && fr != "" {
				return fr
			}
			return en
		},
		"pct":    pct,
		"num":    num,
		"date":   longDate,
		"when":   when,
		"abadge": auditorBadge,
		"mbadge": maintenanceBadge,
		"reason": reasonHTML,
	}
	for _, l := range equivalence.Langs {
		s.pages[l] = map[string]*template.Template{}
		layout := bake(l, "layout.html")
		for _, name := range []string{"home", "certificate", "employer", "check", "letter", "verify", "error", "auditor"} {
			t := template.Must(template.New("layout.html").Funcs(funcs).Parse(layout))
			s.pages[l][name] = template.Must(t.New(name + ".html").Parse(bake(l, name+".html")))
		}
	}
	return s
}

// fixedWord is a catalog word with a constant key in a template.
var fixedWord = regexp.MustCompile(`\{\{\s*\$?p?\.T "([a-z.]+)"\s*\}\}`)

// bake reads a template and writes its constant catalog words in l into
// it, escaped, so that rendering does not look them up (a page renders in
// about the time of the API's JSON).
func bake(l equivalence.Lang, file string) string {
	b, err := templateFS.ReadFile("templates/" + file)
	if err != nil {
		panic(err)
	}
	return fixedWord.ReplaceAllStringFunc(string(b), func(m string) string {
		key := fixedWord.FindStringSubmatch(m)[1]
		if _, ok := messages[key]; !ok {
			return m // left to T, which shows the key; TestCatalog fails on it
		}
		return template.HTMLEscapeString(msg(l, key))
	})
}

// Handler serves the pages and passes every other request to api. When
// api is the node's edge (openapi.New: it has an Observe method), each
// page is counted in its request metrics under its route and written to
// its access log, as the API's requests are.
func (s *Site) Handler(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	observe := func(_ string, h http.Handler) http.Handler { return h }
	if o, ok := api.(observer); ok {
		observe = o.Observe
	}
	// handle registers h for "METHOD route", counted and logged under
	// route by the API's edge as its own requests are.
	handle := func(method, route string, h http.Handler) {
		pattern := route
		if route == "/" {
			pattern = "/{$}"
		}
		mux.Handle(method+" "+pattern, observe(route, h))
	}
	page := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// r.URL.Query() drops a pair it cannot decode: the page would
			// answer another question than the one asked (/check with
			// on=2026-06-01% answered for today).
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				s.fail(w, r, registry.Invalid("query", "the address's query string is malformed (%v); correct it or start again from the form", err))
				return
			}
			h(w, r)
		}
	}
	handle("GET", "/", page(s.home))
	handle("GET", "/certificates/{id}", page(s.certificate))
	handle("GET", "/employers/{bn}", page(s.employer))
	handle("GET", "/auditors/{id}", page(s.auditor)) // programops.go
	handle("GET", "/check", page(s.check))
	handle("GET", "/letters/{id}", page(s.letter))
	handle("GET", "/verify", page(s.verify))
	handle("POST", "/verify", page(s.verify))
	assets, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix("/assets/", http.FileServerFS(assets))
	handle("GET", "/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		files.ServeHTTP(w, r)
	}))
	mux.Handle("/", api)
	return mux
}

// observer is what the API handler given to Handler may offer (openapi's
// Edge does): h counted in the node's request metrics under route and
// written to its access log, as an API request is.
type observer interface {
	Observe(route string, h http.Handler) http.Handler
}

// page is what every template gets.
type page struct {
	Lang    equivalence.Lang
	Title   string
	Other   string // the switch: this page in the other language
	OtherL  equivalence.Lang
	Self    registry.Jurisdiction
	Data    any
	Scripts []string
}

// T is a word of the catalog in the page's language.
func (p *page) T(key string) string { return msg(p.Lang, key) }

// F is a catalog entry with fmt arguments.
// Integers (%d) take the language's thousands separator (see num).
func (p *page) F(key string, args ...any) string {
	return fmt.Sprintf(msg(p.Lang, key), localArgs(p.Lang, args)...)
}

// Invalid is what the page says of err, a refused value: on an English
// page the validator's own reason, on a French one the catalog's message
// for its field (the validators speak English only).
func (p *page) Invalid(err error) string {
	var ve *registry.ValidationError
	if !errors.As(err, &ve) {
		if p.Lang == equivalence.English {
			return err.Error()
		}
		if errors.Is(err, registry.ErrConflict) {
			return p.T("err.conflict")
		}
		return p.T("invalid")
	}
	if p.Lang == equivalence.English {
		return ve.Reason
	}
	field := ve.Field
	for _, prefix := range []string{"query.", "path.", "body."} {
		field = strings.TrimPrefix(field, prefix)
	}
	if key, ok := invalidKeys[field]; ok {
		return p.T(key)
	}
	return p.T("invalid")
}

// invalidKeys are the catalog's messages for refused values, by field.
var invalidKeys = map[string]string{"bn": "invalid.bn", "employer": "invalid.bn", "on": "invalid.on", "sector": "invalid.sector",
	"use": "invalid.use", "host": "invalid.host", "name": "invalid.name", "number": "invalid.number", "wcb": "invalid.wcb"}

// lang picks the language of a request (see the package doc) and keeps an
// explicit choice in a cookie.
func lang(w http.ResponseWriter, r *http.Request) equivalence.Lang {
	if l, ok := equivalence.ParseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil {
		if l, ok := equivalence.ParseLang(c.Value); ok {
			return l
		}
	}
	return equivalence.MatchLang(r.Header.Get("Accept-Language"))
}

func (s *Site) newPage(w http.ResponseWriter, r *http.Request, titleKey string) *page {
	l := lang(w, r)
	other := equivalence.French
	if l == equivalence.French {
		other = equivalence.English
	}
	q := r.URL.Query()
	q.Set("lang", string(other))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	if r.Method == http.MethodPost {
		u.RawQuery = "lang=" + string(other)
	}
	p := &page{Lang: l, Other: u.String(), OtherL: other, Self: s.cfg.Node.Jurisdiction()}
	p.Title = p.T(titleKey)
	return p
}

func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := s.pages[p.Lang][name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(p.Lang))
	h.Set("Vary", "Accept-Language, Cookie")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is the error page's content.
type errorData struct {
	Heading, Text, Detail string
}

// fail renders an error page: not found, bad input (with its message) or
// a logged server error with no detail.
func (s *Site) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := s.newPage(w, r, "err.bad")
	var ve *registry.ValidationError
	status := http.StatusInternalServerError
	d := errorData{Heading: p.T("err.bad"), Text: p.T("err.server")}
	switch {
	case errors.Is(err, registry.ErrNotFound):
		status, d.Heading, d.Text = http.StatusNotFound, p.T("err.notfound"), p.T("err.notfound.text")
	case errors.As(err, &ve), errors.Is(err, registry.ErrInvalid), errors.Is(err, registry.ErrConflict):
		status, d.Detail = http.StatusBadRequest, p.Invalid(err)
		d.Text = ""
	default:
		s.cfg.Logger.ErrorContext(r.Context(), "page", "path", r.URL.Path, "err", err)
	}
	p.Title = d.Heading
	p.Data = d
	s.render(w, r, status, "error", p)
}

func badgeClass(status string) string {
	switch status {
	case registry.StatusActive, equivalence.Recognized:
		return "ok"
	case registry.StatusSuspended, registry.StatusPending, equivalence.Conditional:
		return "warn"
	}
	return "bad"
}

// ---- search ----

type searchData struct {
	Q, By   string
	Asked   bool
	Result  federation.SearchResult
	Err     string
	AgeNote map[registry.Jurisdiction]string
	// Stale maps each peer whose copy is stale (see copyAge) to when it
	// was last synced: its rows are not confirmed.
	Stale map[registry.Jurisdiction]string
}

// Bounds on what a page reads from its query: a search, and a pass given
// in the URL (a pass is at most 600 characters; a QR code holds 4,296).
const (
	maxQuery     = 200
	maxPassQuery = 4096
)

func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "search.title")
	q := r.URL.Query()
	d := searchData{Q: echo(q.Get("q")), By: echo(q.Get("by"))}
	if d.By == "" {
		d.By = "auto"
	}
	if len(d.Q) > maxQuery {
		d.Q, d.Err = "", p.F("search.toolong", maxQuery) // said, not dropped
	}
	if d.Q != "" {
		d.Asked = true
		res, err := s.search(r.Context(), d.Q, d.By)
		if err != nil {
			var ve *registry.ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, registry.ErrInvalid) {
				s.fail(w, r, err)
				return
			}
			d.Err = p.Invalid(err)
		}
		d.Result = res
		if d.Stale, err = s.staleMembers(r.Context(), res); err != nil {
			s.fail(w, r, err)
			return
		}
		d.AgeNote = map[registry.Jurisdiction]string{}
		for _, m := range res.Members {
			d.AgeNote[m.Jurisdiction] = freshText(p, m.Freshness)
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "home", p)
}

func freshText(p *page, f *federation.Freshness) string {
	switch {
	case f == nil:
		return ""
	case f.Self:
		return p.T("fresh.self")
	case f.LastSuccess.IsZero():
		return p.T("fresh.never")
	}
	return p.F("fresh.ago", f.AgeSeconds)
}

// search runs one federation search: by the kind asked, or guessed (nine
// digits: a BN; else a certificate number, then a WCB account, then a
// name, the first that finds something).
func (s *Site) search(ctx context.Context, q, by string) (federation.SearchResult, error) {
	l := s.cfg.Lookups
	switch by {
	case "bn":
		return l.Search(ctx, federation.SearchQuery{BN: q})
	case "number":
		return l.Search(ctx, federation.SearchQuery{Number: q})
	case "name":
		return l.Search(ctx, federation.SearchQuery{Name: q})
	case "wcb":
		return l.SearchWCB(ctx, q, registry.Date{})
	}
	if len(q) == 9 && strings.Trim(q, "0123456789") == "" {
		return l.Search(ctx, federation.SearchQuery{BN: q})
	}
	var res federation.SearchResult
	var err error
	for _, try := range []func() (federation.SearchResult, error){
		func() (federation.SearchResult, error) { return l.Search(ctx, federation.SearchQuery{Number: q}) },
		func() (federation.SearchResult, error) { return l.SearchWCB(ctx, q, registry.Date{}) },
		func() (federation.SearchResult, error) { return l.Search(ctx, federation.SearchQuery{Name: q}) },
	} {
		if res, err = try(); err == nil && len(res.Certificates) > 0 {
			return res, nil
		}
	}
	return res, err
}

// ---- certificate ----

type certData struct {
	Rec     federation.CertificateRecord
	Status  string
	Today   registry.Date
	KID     string
	OK      bool
	Why     string
	Seq     uint64
	LogSize uint64
	Own     bool
	// Synced is when this node last synced the peer's log (a peer's
	// certificate); StaleCopy, that the sync since failed or is late.
	Synced    string
	StaleCopy bool
	Letter    string
	Versions  []versionRow
	// Prog is the audit the certificate rests on and its maintenance, as
	// its node recorded them (programops.go).
	Prog node.CertificateProgram
}

type versionRow struct {
	Ver, Seq uint64
	At       string
}

func (s *Site) certificate(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "cert.title")
	rec, err := s.certificateAsked(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Its status today where it was issued: a peer's certificate expires
	// at the end of its day in its own province, as its pass does.
	today := node.TodayIn(rec.Iss, s.cfg.Node.Now())
	d := certData{Rec: rec, Today: today, Status: rec.Certificate.StatusOn(today), KID: kidOf(rec.Evidence.JWS), OK: rec.Verified == nil,
		Own: rec.Iss == s.cfg.Node.Jurisdiction(), Letter: "/letters/" + url.PathEscape(rec.Certificate.ID)}
	if rec.Verified != nil {
		d.Why = rec.Verified.Error()
		if p.Lang != equivalence.English {
			d.Why = p.T("cert.unverified")
		}
	}
	if lg := rec.Evidence.Log; lg != nil {
		d.Seq, d.LogSize = lg.Inclusion.Seq, lg.Inclusion.TreeSize
	}
	if !d.Own {
		if base, ok := s.cfg.Lookups.Federation().PeerURL(rec.Iss); ok {
			d.Letter = strings.TrimRight(base, "/") + d.Letter + "?lang=" + string(p.Lang) // the cookie does not go to another host
		}
		d.Synced, d.StaleCopy = s.copyAge(r.Context(), rec.Iss)
	}
	for _, v := range rec.Versions {
		d.Versions = append(d.Versions, versionRow{Ver: v.Ver, Seq: v.Seq, At: time.Unix(v.Iat, 0).UTC().Format("2006-01-02 15:04:05")})
	}
	if d.Prog, err = s.cfg.Node.CertificateProgram(r.Context(), rec.Certificate, today); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = p.T("cert.title") + " " + rec.Certificate.Program + " " + rec.Certificate.Number
	p.Data = d
	s.render(w, r, http.StatusOK, "certificate", p)
}

// staleCopy is how old a copy of a peer's log may be before a page says
// that what it shows is not confirmed (Federation.StaleAfter: the bound
// past which recognition proofs resting on it expire within a day).
func (s *Site) staleCopy() time.Duration {
	return s.cfg.Lookups.Federation().StaleAfter()
}

// copyAge says when this node last synced peer iss's log and whether
// that copy is stale (see staleness).
func (s *Site) copyAge(ctx context.Context, iss registry.Jurisdiction) (string, bool) {
	frs, err := s.cfg.Lookups.Freshness(ctx)
	if err != nil {
		return "—", true
	}
	for _, fr := range frs {
		if fr.Jurisdiction == iss {
			return s.staleness(fr)
		}
	}
	return "—", true
}

// staleMembers maps each peer that issued one of res's certificates and
// whose copy is stale (by the rule of copyAge, which the certificate page
// and /check use) to when it was last synced, so that lists do not show a
// stale copy's status as confirmed. A member that answered live is not
// read from its copy.
func (s *Site) staleMembers(ctx context.Context, res federation.SearchResult) (map[registry.Jurisdiction]string, error) {
	out := map[registry.Jurisdiction]string{}
	live := map[registry.Jurisdiction]bool{}
	for _, m := range res.Members {
		live[m.Jurisdiction] = m.Source == "live"
	}
	for _, f := range res.Certificates {
		iss := f.Certificate.Jurisdiction
		if _, done := out[iss]; done || live[iss] || iss == s.cfg.Node.Jurisdiction() {
			continue
		}
		if synced, stale := s.copyAge(ctx, iss); stale {
			out[iss] = synced
		}
	}
	return out, nil
}

// staleness says when a member's copy was last synced (in the node's
// zone; "—" if never) and whether it is stale: its last sync failed, or is
// older than staleCopy.
func (s *Site) staleness(fr federation.Freshness) (synced string, stale bool) {
	if fr.LastSuccess.IsZero() {
		return "—", true
	}
	at := fr.LastSuccess.In(node.Zone(s.cfg.Node.Jurisdiction())).Format("2006-01-02 15:04 MST")
	return at, fr.Stale(s.staleCopy())
}

// certificateAsked finds the certificate a page's path names, in the
// jurisdiction its iss parameter names when there is one (links carry it:
// ids are unique only within a jurisdiction).
func (s *Site) certificateAsked(r *http.Request) (federation.CertificateRecord, error) {
	iss := registry.Jurisdiction(r.URL.Query().Get("iss"))
	if iss != "" && !iss.Valid() {
		return federation.CertificateRecord{}, fmt.Errorf("iss %q: %w", iss, registry.ErrNotFound)
	}
	return s.cfg.Lookups.CertificateOf(r.Context(), r.PathValue("id"), iss)
}

// kidOf reads the kid of a compact JWS's protected header (for display:
// the signature was verified against the pinned key of that kid).
func kidOf(jws string) string {
	h, _, _ := strings.Cut(jws, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return ""
	}
	var hdr struct {
		KID string `json:"kid"`
	}
	_ = json.Unmarshal(b, &hdr)
	return hdr.KID
}

// ---- employer ----

type employerData struct {
	BN        string
	Records   []federation.EmployerRecord
	Name      string
	Result    federation.SearchResult
	Hosts     []registry.Jurisdiction
	DefaultOn registry.Date
	// Stale: as in searchData.
	Stale map[registry.Jurisdiction]string
}

func (s *Site) employer(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "emp.title")
	bn := r.PathValue("bn")
	recs, err := s.cfg.Lookups.Employers(r.Context(), bn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Lookups.Search(r.Context(), federation.SearchQuery{BN: bn})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(recs) == 0 && len(res.Certificates) == 0 {
		s.fail(w, r, fmt.Errorf("employer %s: %w", bn, registry.ErrNotFound))
		return
	}
	d := employerData{BN: bn, Records: recs, Result: res, Hosts: registry.Jurisdictions}
	if d.Stale, err = s.staleMembers(r.Context(), res); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(recs) > 0 {
		d.Name = recs[0].Employer.LegalName
		p.Title = d.Name
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "employer", p)
}

// echo is a query value as a page may show it back: trimmed, and valid
// UTF-8 (a page is served as charset=utf-8; invalid bytes become U+FFFD).
func echo(v string) string { return strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD") }

// ---- recognition check ----

type checkData struct {
	BN, Host, Use, On, Sector string
	Hosts                     []registry.Jurisdiction
	Errors                    map[string]string
	Answer                    *federation.Answer
	// Stale are the members whose copy the answer read is stale (see
	// copyAge): the answer may have changed since.
	Stale []staleRow
}

type staleRow struct {
	Jurisdiction registry.Jurisdiction
	Synced       string
}

func (s *Site) check(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "check.title")
	q := r.URL.Query()
	d := checkData{BN: echo(q.Get("bn")), Host: echo(q.Get("host")), Use: echo(q.Get("use")), On: echo(q.Get("on")),
		Sector: echo(q.Get("sector")), Hosts: registry.Jurisdictions, Errors: map[string]string{}}
	if d.Use == "" {
		d.Use = equivalence.UseBid
	}
	if d.Host == "" {
		d.Host = string(s.cfg.Node.Jurisdiction())
	}
	if q.Has("bn") {
		question := equivalence.Question{BN: d.BN, Host: registry.Jurisdiction(d.Host), Use: d.Use, Sector: d.Sector, Lang: p.Lang}
		// Every field's problem at once: the date's, then the question's
		// own (with today standing in for a date left out or unreadable).
		check := question
		check.On = registry.DateOf(s.cfg.Node.Now())
		if d.On != "" {
			on, err := registry.ParseDate(d.On)
			if err != nil {
				d.Errors["on"] = p.Invalid(registry.Invalid("on", "%s", err))
			} else {
				question.On, check.On = on, on
			}
		}
		s.fieldErrors(p, d.Errors, check.Validate())
		if len(d.Errors) == 0 {
			a, err := s.cfg.Lookups.Recognize(r.Context(), question)
			switch {
			case errors.Is(err, registry.ErrInvalid):
				s.fieldErrors(p, d.Errors, err)
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				d.Answer = &a
				for _, fr := range a.Freshness {
					if fr.Self {
						continue
					}
					if synced, stale := s.staleness(fr); stale {
						d.Stale = append(d.Stale, staleRow{fr.Jurisdiction, synced})
					}
				}
			}
		}
	}
	p.Data = d
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "check", p)
}

// fieldErrors puts each validation problem of err in errs, by field
// (without a "query." prefix), the first for a field kept.
func (s *Site) fieldErrors(p *page, errs map[string]string, err error) {
	for _, v := range registry.Problems(err) {
		if f := strings.TrimPrefix(v.Field, "query."); errs[f] == "" {
			errs[f] = p.Invalid(v)
		}
	}
}

// ---- letter ----

type letterData struct {
	Rec      federation.CertificateRecord
	Status   string
	Today    registry.Date
	Pass     string
	QR       template.HTML
	Size     int
	Elsewhen string
	// Link is the certificate's page on this node's public site, and
	// LinkQR its QR code: what a phone's camera app opens (it shows the
	// pass's code only as text).
	Link   string
	LinkQR template.HTML
	// NoFit: the certificate may hold, but its pass would not fit
	// pass.MaxSize (a very long public URL).
	NoFit bool
}

func (s *Site) letter(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "letter.title")
	id := r.PathValue("id")
	rec, err := s.certificateAsked(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := node.TodayIn(rec.Iss, s.cfg.Node.Now())
	d := letterData{Rec: rec, Today: today, Status: rec.Certificate.StatusOn(today)}
	if rec.Iss != s.cfg.Node.Jurisdiction() {
		if base, ok := s.cfg.Lookups.Federation().PeerURL(rec.Iss); ok {
			d.Elsewhen = strings.TrimRight(base, "/") + "/letters/" + url.PathEscape(id) + "?lang=" + string(p.Lang)
		}
	} else {
		text, _, err := s.cfg.Passes.Issue(r.Context(), id)
		switch {
		case errors.Is(err, registry.ErrInvalid):
			// A pass that cannot fit its size bound: the letter stands
			// without it, and says so.
			d.NoFit = true
		case err != nil && !errors.Is(err, registry.ErrConflict):
			s.fail(w, r, err)
			return
		}
		if err == nil {
			svg, err := qrSVG(text, p.T("letter.title")+" "+id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Pass, d.QR, d.Size = text, svg, len(text)
			d.Link = s.cfg.Passes.BaseURL() + "/certificates/" + url.PathEscape(id) + "?iss=" + url.QueryEscape(string(rec.Iss)) + "&lang=" + string(p.Lang)
			if d.LinkQR, err = qrSVG(d.Link, p.T("letter.linktitle")+" "+id); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	p.Title = p.T("letter.title") + " " + rec.Certificate.Program + " " + rec.Certificate.Number
	p.Data = d
	s.render(w, r, http.StatusOK, "letter", p)
}

// ---- verify ----

type verifyData struct {
	Text  string
	Done  bool
	Check federation.PassCheck
	Holds bool
	// Unsure: the pass holds on a stale status list only; Unchecked:
	// nothing could be judged (no pass read, or its status or log could
	// not be had). Neither says the pass fails.
	Unsure    bool
	Unchecked bool
	Why       string
	Detail    string
	Claimed   bool // Check.Pass holds only what the pass claims
	Status    string
	ListAt    string
}

func (s *Site) verify(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "verify.title")
	p.Scripts = []string{"/assets/scan.js"}
	d := verifyData{}
	if r.Method == http.MethodPost {
		text, errKey := readPass(w, r)
		d.Text, d.Done = text, true
		if errKey != "" {
			d.Why, d.Unchecked = p.T(errKey), true
		} else {
			s.checkPass(r.Context(), p, &d)
		}
	} else if t := echo(r.URL.Query().Get("pass")); len(t) > maxPassQuery {
		d.Done, d.Unchecked, d.Why = true, true, p.F("verify.toolong", maxPassQuery)
	} else if t != "" {
		d.Text, d.Done = t, true
		s.checkPass(r.Context(), p, &d)
	}
	if r.Method == http.MethodPost && d.Text != "" && len(d.Text) <= maxPassQuery {
		// The switch shows the same result in the other language.
		p.Other = "/verify?" + url.Values{"lang": {string(p.OtherL)}, "pass": {d.Text}}.Encode() + "#result"
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "verify", p)
}

func (s *Site) checkPass(ctx context.Context, p *page, d *verifyData) {
	c, err := s.cfg.Passes.CheckPass(ctx, d.Text)
	d.Check = c
	if err != nil {
		d.Detail = err.Error()
		switch {
		case errors.Is(err, registry.ErrUnauthenticated):
			d.Why = p.T("why.expired")
		case errors.Is(err, federation.ErrPassNotInLog):
			d.Why = p.T("why.log")
		case errors.Is(err, federation.ErrNotReplicated):
			d.Why, d.Unchecked = p.T("why.behind"), true
			if _, stale := s.copyAge(ctx, c.Pass.Iss); stale {
				d.Why = p.T("why.behindstale") // waiting a minute will not help
			}
		case errors.Is(err, jose.ErrUnknownKey):
			// Not "forged": the issuer may have rotated its key since this
			// node's last sync of its announcements.
			d.Why, d.Unchecked = p.F("why.newkey", jurOf(p.Lang, c.Pass.Iss)), true
			if c.Pass.Iss == "" {
				if claimed, ierr := inspect(d.Text); ierr == nil {
					d.Why = p.F("why.newkey", jurOf(p.Lang, claimed.Iss))
				}
			}
		case errors.Is(err, pass.ErrFuture):
			d.Why, d.Unchecked = p.T("why.future"), true
		case errors.Is(err, federation.ErrPassSuperseded):
			d.Why, d.Unchecked = p.T("why.superseded"), true
		case c.Pass.CertificateID != "":
			d.Why, d.Unchecked = p.T("why.list"), true // the pass verified; its status could not be had
		case errors.Is(err, registry.ErrUnverified):
			d.Why = p.T("why.signature")
		default:
			d.Why = p.T("why.malformed")
		}
		// Whatever the pass says is only its claim when the check failed.
		d.Claimed = true
		if c.Pass.CertificateID == "" {
			if claimed, ierr := inspect(d.Text); ierr == nil {
				d.Check.Pass = claimed
			}
		}
		return
	}
	fromLog := c.LogStatus != "" && statuslist.Of(c.LogStatus) == c.Status &&
		(c.Status == statuslist.Invalid || c.Status == statuslist.Suspended)
	d.Status = statusText(p, c.Status)
	if fromLog {
		// The log says which of the list's "no longer valid" it is, and
		// the gate acts on it: a superseded certificate has a successor.
		d.Status = equivalence.StatusWord(c.LogStatus, p.Lang)
	}
	if c.NoList == "" {
		d.ListAt = longTime(p.Lang, c.List.Iat.In(node.Zone(c.Pass.Iss)))
	}
	d.Holds = c.Holds()
	switch {
	case c.NoList != "":
		// No list could be had; the log alone says the pass does not hold.
		d.Why, d.Detail = p.F("why.lognolist", d.Status), c.NoList
	case d.Holds && c.Stale:
		d.Holds, d.Unsure = false, true
		d.Why, d.Detail = p.T("why.stale"), c.StaleWhy
	case d.Holds:
	case c.LogStatus != "" && c.ListStatus != c.Status:
		d.Why = p.F("why.logstatus", d.Status)
	case fromLog:
		d.Why = p.F("why.loglist", d.Status)
	default:
		d.Why = p.F("why.status", d.Status)
	}
	if fromLog && c.LogStatus == registry.StatusSuperseded && !d.Holds {
		d.Why += " " + p.T("why.successor")
	}
}

// statusText is a status list value in words of the page's language.
func statusText(p *page, v byte) string {
	switch v {
	case statuslist.Valid:
		return equivalence.StatusWord(registry.StatusActive, p.Lang)
	case statuslist.Suspended:
		return equivalence.StatusWord(registry.StatusSuspended, p.Lang)
	case statuslist.Pending:
		return equivalence.StatusWord(registry.StatusPending, p.Lang)
	}
	return p.T("status.invalid")
}
