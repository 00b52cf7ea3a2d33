package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/corfed/corfed/registry/strictjson"
)

// Text hygiene of JSON bodies. encoding/json (and so huma) silently
// replaces invalid UTF-8 and lone UTF-16 surrogate escapes ("\ud800") with
// U+FFFD, which would then be signed and replicated. So before huma reads
// a JSON body, checkText scans it: every string with invalid UTF-8 or a
// lone surrogate is noted with its location (body.legal_name,
// body.operating_names[1]), and every string is NFC-normalized (names
// compare and index as one form). The same scan notes what encoding/json
// would read otherwise than huma's schema check saw it: a member name
// given twice (also in another case) and a number out of float64's
// range. The operation's middleware (after authentication on a write, so
// an anonymous caller still gets 401) turns the notes into one 422
// problem listing each of them.

// textIssue is a string of a body that cannot be taken as text, or (with
// Shape) a member or number of a body that encoding/json would take
// otherwise than the schema checked it: a member name given twice
// (encoding/json keeps the last, matching names ignoring case, so
// {"reason":"x","Reason":""} would pass the schema with "x" and be read
// as ""), or a number out of float64's range (encoding/json fails on it,
// and huma would answer 400 at "body").
type textIssue struct {
	Location string
	Reason   string
	Shape    bool
	// format and args are what Reason was printed from (issuef): its
	// French is in registry/msgfr.
	format string
	args   []any
}

// issuef is the issue at loc printed from format.
func issuef(loc string, shape bool, format string, args ...any) textIssue {
	return textIssue{Location: loc, Reason: fmt.Sprintf(format, args...), Shape: shape, format: format, args: args}
}

// reasonRange is the issue of a number encoding/json cannot read.
const reasonRange = "number out of range (at most about 1.8e308 either way)"

// scanText scans a JSON body. It returns the body with every string value
// NFC-normalized (body itself when nothing changes) and the strings that
// are not valid text. A body that is not valid JSON is returned unchanged
// with no issues: huma reports the syntax error.
//
// A body of ASCII bytes with no \u escape (most bodies) has no text to
// fix: ASCII is valid UTF-8 and NFC, and a lone surrogate can only be
// written as an escape. Unless it may hold a number out of range (one
// with an exponent, or of more than 308 digits) or strictjson.CheckNames
// finds a member name twice or nesting too deep, it is returned as it is
// without being tokenized (a tenth of the edge's CPU on a create).
func scanText(body []byte) ([]byte, []textIssue) {
	if plainASCII(body) && plainNumbers(body) && strictjson.CheckNames(body) == nil {
		return body, nil
	}
	return scanTextTokens(body)
}

// plainNumbers reports whether body holds no digit followed by an
// exponent and no run of more than 308 digits: then every number in it
// is within float64's range. (A string may make it say false: the body
// is then only read more closely.)
func plainNumbers(body []byte) bool {
	run := 0
	for _, c := range body {
		switch {
		case c >= '0' && c <= '9':
			if run++; run > 308 {
				return false
			}
			continue
		case (c == 'e' || c == 'E') && run > 0:
			return false
		}
		if c != '.' {
			run = 0
		}
	}
	return true
}

// plainASCII reports whether body is all ASCII and holds no `\u`.
func plainASCII(body []byte) bool {
	for i, c := range body {
		if c >= utf8.RuneSelf || (c == '\\' && i+1 < len(body) && body[i+1] == 'u') {
			return false
		}
	}
	return true
}

// scanTextTokens is scanText reading every token of the body.
func scanTextTokens(body []byte) ([]byte, []textIssue) {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
		names   map[string]bool // the object's member names, folded (only when dups)
	}
	// Member names are remembered only when strictjson's scanner, which
	// is cheap, finds something wrong (most bodies have nothing).
	dups := strictjson.CheckNames(body) != nil
	var stack []frame
	path := func(extra string) string {
		var b strings.Builder
		b.WriteString("body")
		for _, f := range stack {
			if f.obj {
				b.WriteString("." + strictjson.Clip(f.key))
			} else {
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
			}
		}
		if extra != "" {
			b.WriteString("." + strictjson.Clip(extra))
		}
		return b.String()
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.obj {
			top.wantKey = true
		} else {
			top.idx++
		}
	}
	var issues []textIssue
	var out []byte // the body so far, once a string was normalized
	copied := 0    // body[:copied] is in out
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return body, nil
		}
		end := dec.InputOffset()
		isKey := len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) == maxTextDepth {
					// Deeper than any body of ours, and each issue's
					// location costs its depth (a body of brackets had
					// made 61 KB take 265 MB): refused here.
					return body, append(issues, issuef(path(""), false, "nested more than %d levels deep", maxTextDepth))
				}
				fr := frame{obj: v == '{', wantKey: v == '{'}
				if fr.obj && dups {
					fr.names = map[string]bool{}
				}
				stack = append(stack, fr)
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
		case string:
			start := before + int64(bytes.IndexByte(body[before:end], '"'))
			raw := body[start:end]
			if format, args := badString(raw); format != "" {
				loc := path("")
				if isKey {
					loc = path(v)
				}
				issues = append(issues, issuef(loc, false, format, args...))
				if len(issues) == maxTextIssues {
					return body, issues // refused anyway: enough to name
				}
			} else if !isKey && !norm.NFC.IsNormalString(v) {
				enc, err := marshalString(norm.NFC.String(v))
				if err == nil {
					out = append(append(out, body[copied:start]...), enc...)
					copied = int(end)
				}
			}
			if isKey {
				top := &stack[len(stack)-1]
				top.key, top.wantKey = v, false
				if top.names != nil {
					if k := strictjson.FoldName(v); top.names[k] {
						issues = append(issues, issuef(path(""), true,
							"member %s appears twice (names are compared ignoring case): send it once", strconv.Quote(strictjson.Clip(v))))
						if len(issues) == maxTextIssues {
							return body, issues
						}
					} else {
						top.names[k] = true
					}
				}
			} else {
				afterValue()
			}
		case json.Number:
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				issues = append(issues, issuef(path(""), true, reasonRange))
				if len(issues) == maxTextIssues {
					return body, issues
				}
			}
			afterValue()
		default:
			afterValue()
		}
	}
	if out == nil {
		return body, issues
	}
	return append(out, body[copied:]...), issues
}

// The bounds of scanTextTokens: the nesting it follows and the issues it
// names. (A member name in a location is clipped by strictjson.Clip.)
const (
	maxTextDepth  = 64
	maxTextIssues = 100
)

// reasonTooDeep is the issue of a body nested deeper than maxTextDepth.
var reasonTooDeep = "nested more than " + strconv.Itoa(maxTextDepth) + " levels deep"

func marshalString(s string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// badString returns why the raw JSON string (quotes included) is not
// valid text, or "".
func badString(raw []byte) (string, []any) {
	if !utf8.Valid(raw) {
		return "not valid UTF-8", nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++
			continue
		}
		r, ok := hex4(raw, i+2)
		if !ok {
			return "malformed \\u escape", nil
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return "a lone UTF-16 surrogate (\\u%x)", []any{int64(r)}
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := rune(0), false
			if i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				lo, ok = hex4(raw, i+8)
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return "a lone UTF-16 surrogate (\\u%x)", []any{int64(r)}
			}
			i += 11
		default:
			i += 5
		}
	}
	return "", nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(v), err == nil
}

type textIssuesKey struct{}

// textHygiene reads JSON bodies of writes (up to the body limit), puts
// them back NFC-normalized, and notes their text issues in the request's
// context for checkTextIssues.
func textHygiene(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
		default:
			next.ServeHTTP(w, r)
			return
		}
		if r.Body == nil || !jsonBody(r.Header) {
			next.ServeHTTP(w, r)
			return
		}
		limit := bodyLimit(r.URL.Path)
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil || int64(len(b)) > limit {
			// Let huma report the size or the read error.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), r.Body))
			next.ServeHTTP(w, r)
			return
		}
		_ = r.Body.Close()
		body, issues := scanText(b)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		ctx := context.WithValue(r.Context(), bodyKey{}, body) // for the rules of a body that fails its schema (rules.go)
		if len(issues) > 0 {
			ctx = context.WithValue(ctx, textIssuesKey{}, issues)
		}
		r = r.WithContext(ctx)
		next.ServeHTTP(w, r)
	})
}

// jsonBody reports whether a request with header h has a body huma reads
// as JSON, and gives a JSON media type its canonical spelling, so that
// huma (which looks the media type up as spelled) reads
// "application/JSON" too: media types ignore case (RFC 9110, 8.3.1). A
// body with no Content-Type is JSON to huma. A Content-Type that does not
// parse is taken as JSON when it says json anywhere, as huma may take it.
func jsonBody(h http.Header) bool {
	ct := h.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return strings.Contains(strings.ToLower(ct), "json")
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return false
	}
	if ct != mt {
		// Parameters say nothing huma uses: JSON is UTF-8, and the body's
		// text is checked here.
		h.Set("Content-Type", mt)
	}
	return true
}

// checkTextIssues is a write operation's middleware, after authenticate:
// a body with strings that are not valid text gets one 422 problem naming
// each of them.
func checkTextIssues(ctx huma.Context, next func(huma.Context)) {
	issues, _ := ctx.Context().Value(textIssuesKey{}).([]textIssue)
	if len(issues) == 0 {
		next(ctx)
		return
	}
	p := &huma.ErrorModel{Type: "about:blank", Status: http.StatusUnprocessableEntity, Title: "Invalid input",
		Detail: detailBadText}
	for _, is := range issues {
		msg := is.Reason
		if french := frenchOf(ctx.Context()); french && is.format != "" {
			msg = frenchf(is.format, is.args...)
		}
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: is.Location, Message: msg})
		if is.Shape {
			p.Detail = detailInvalid // not (only) text
		}
	}
	french := frenchOf(ctx.Context())
	if french {
		inFrench(p)
	}
	humaLanguageHeaders(ctx, french)
	b, _ := json.Marshal(p)
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(http.StatusUnprocessableEntity)
	_, _ = ctx.BodyWriter().Write(b)
}
