package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/text/language"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/msgfr"
)

// Problems in both official languages. A request whose lang parameter is
// fr, or without one whose Accept-Language prefers French (the matcher
// below, over en and fr; English by default), gets a problem's title, detail and every errors[].message in French,
// with Content-Language: fr (en otherwise) and Vary: Accept-Language.
// Field names (location), values and codes do not change. The French is
// printed from the catalogue of registry/msgfr, keyed by the English
// format each message was printed from (registry.Invalid keeps it); what
// is signed or logged stays in English.

// langMatcher chooses between the two official languages; built once.
var langMatcher = language.NewMatcher([]language.Tag{language.English, language.French})

// acceptLanguageKey is the context key of the request's Accept-Language
// header (edgeContext answers it), read only when a problem is written.
type acceptLanguageKey struct{}

// preferFrench reports whether an Accept-Language header prefers French.
func preferFrench(header string) bool {
	if header == "" {
		return false
	}
	if len(header) > 1024 {
		header = header[:1024]
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return false
	}
	_, i, conf := langMatcher.Match(tags...)
	return i == 1 && conf != language.No
}

// langParamKey is the context key of the request's lang query parameter
// when it is en or fr (edgeContext answers it).
type langParamKey struct{}

// langParam is the value of the lang parameter of a raw query when it is
// en or fr, else "". The operations that take lang (recognition, audits,
// the lifecycle run) answer in it; their problems are in it too.
func langParam(rawQuery string) string {
	if !strings.Contains(rawQuery, "lang=") {
		return ""
	}
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if v, ok := strings.CutPrefix(pair, "lang="); ok && (v == "en" || v == "fr") {
			return v
		}
	}
	return ""
}

// frenchOf reports whether the request of ctx prefers French: its lang
// parameter when it is en or fr, else its Accept-Language.
func frenchOf(ctx context.Context) bool {
	switch l, _ := ctx.Value(langParamKey{}).(string); l {
	case "fr":
		return true
	case "en":
		return false
	}
	h, _ := ctx.Value(acceptLanguageKey{}).(string)
	return preferFrench(h)
}

// langOf is the language of the request of ctx, for texts made in it
// (equivalence's reasons): French when its problems are in French.
func langOf(ctx context.Context) equivalence.Lang {
	if frenchOf(ctx) {
		return equivalence.French
	}
	return equivalence.English
}

// sayf prints format with args in the request's language.
func sayf(french bool, format string, args ...any) string {
	if !french {
		return fmt.Sprintf(format, args...)
	}
	return frenchf(format, args...)
}

// frenchf prints format in French; an argument that is an error whose
// text is catalogued (Invalid, Conflict, Textf) is in French too.
func frenchf(format string, args ...any) string {
	if (format == "%v" || format == "%s") && len(args) == 1 {
		switch a := args[0].(type) {
		case error:
			return frenchErr(a)
		case string:
			return msgfr.String(a)
		}
	}
	var out []any
	for i, a := range args {
		if err, ok := a.(error); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = frenchErr(err)
		}
	}
	if out != nil {
		args = out
	}
	return msgfr.Sprintf(format, args...)
}

// frenchErr is the French text of err, its English Error() when the
// catalogue cannot say it.
func frenchErr(err error) string {
	var ve *registry.ValidationError
	var te *registry.TextError
	var ce *registry.ConflictError
	var bt *registry.BilingualText
	switch {
	case errors.As(err, &bt) && err == error(bt):
		return bt.FR
	case errors.As(err, &te) && err == error(te):
		return frenchf(te.Format, te.Args...)
	case errors.As(err, &ve) && err == error(ve) && ve.Format != "":
		return ve.Field + ": " + frenchf(ve.Format, ve.Args...)
	case errors.As(err, &ce) && err == error(ce) && ce.Format != "":
		return frenchf(ce.Format, ce.Args...)
	}
	if tf, ok := err.(interface{ TextFormat() (string, []any) }); ok {
		// An error that keeps its English format (registry/sheet's).
		f, args := tf.TextFormat()
		return frenchf(f, args...)
	}
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		if s, ok := frenchJoined(err.Error(), m.Unwrap()); ok {
			return s
		}
	}
	return msgfr.String(err.Error())
}

// frenchJoined is the French of msg, the text of an error that says the
// errors of parts in order (measure.Query.Validate's "; " between them,
// errors.Join's newlines): each part's English replaced by its French,
// what joins them kept. ok is false when msg does not hold each part's
// text in order.
func frenchJoined(msg string, parts []error) (string, bool) {
	var b strings.Builder
	rest := msg
	for _, p := range parts {
		if p == nil {
			continue
		}
		en := p.Error()
		i := strings.Index(rest, en)
		if i < 0 {
			return "", false
		}
		b.WriteString(rest[:i])
		b.WriteString(frenchErr(p))
		rest = rest[i+len(en):]
	}
	b.WriteString(rest)
	return b.String(), true
}

// frenchMessageOf is the French of message, printed from format and args
// when it was (an import or snapshot problem), else looked up as it is.
func frenchMessageOf(message, format string, args []any) string {
	if format != "" {
		return frenchf(format, args...)
	}
	return frenchMessage(message)
}

// reasonIn is a validation error's reason in the request's language.
func reasonIn(french bool, ve *registry.ValidationError) string {
	if !french || ve.Format == "" {
		return ve.Reason
	}
	return frenchf(ve.Format, ve.Args...)
}

// languageHeaders says which language a problem is in.
func languageHeaders(h http.Header, french bool) {
	h.Set("Content-Language", langCode(french))
	h.Add("Vary", "Accept-Language")
}

// humaLanguageHeaders is languageHeaders for a huma context.
func humaLanguageHeaders(ctx huma.Context, french bool) {
	ctx.SetHeader("Content-Language", langCode(french))
	ctx.AppendHeader("Vary", "Accept-Language")
}

func langCode(french bool) string {
	if french {
		return "fr"
	}
	return "en"
}

// inFrench puts p's title, detail and the messages of errors[] that are
// still in English (huma's own, the fixed ones of the edge) in French.
// Messages printed from a format (Invalid) are in French already.
func inFrench(p *huma.ErrorModel) {
	p.Title = msgfr.String(p.Title)
	p.Detail = msgfr.String(p.Detail)
	for _, e := range p.Errors {
		if e != nil {
			e.Message = frenchMessage(e.Message)
		}
	}
}

// frenchMessage is the French of an English message: a catalogued
// sentence, or one of huma's validation messages (humaFormats).
func frenchMessage(m string) string {
	if f, ok := msgfr.Entry(m); ok {
		return f
	}
	for _, h := range humaPatterns {
		if g := h.re.FindStringSubmatch(m); g != nil {
			args := make([]any, len(g)-1)
			for i, s := range g[1:] {
				args[i] = s
			}
			return fmt.Sprintf(h.fr, args...)
		}
	}
	return m
}

// humaFormats are the messages huma writes that take an argument (its
// validation/messages.go, its parameter and body parsing, the JSON
// decoder's syntax errors it passes on); those without one are catalogued
// as they are. Each has a French entry in registry/msgfr (a test checks).
var humaFormats = []string{
	"expected string to be RFC 5322 email: %v",
	"expected string to be RFC 3986 uri: %v",
	"expected string to be RFC 4122 uuid: %v",
	"expected string to be regex: %v",
	"expected duration: %v",
	"expected value to be one of \"%s\"",
	"expected number >= %v",
	"expected number > %v",
	"expected number <= %v",
	"expected number < %v",
	"expected number to be a multiple of %v",
	"expected length >= %d",
	"expected length <= %d",
	"expected string to match pattern %s",
	"expected string to be %s",
	"expected array length >= %d",
	"expected array length <= %d",
	"expected object with at least %d properties",
	"expected object with at most %d properties",
	"expected required property %s to be present",
	"expected property %s to be present when %s is present",
	// huma.go: parameters and bodies it cannot parse.
	"unknown content type: %s",
	"required %s parameter is missing",
	"invalid value: %s",
	"invalid date/time for format %s",
	"cannot read multipart form: %s",
	// encoding/json: a body that is not JSON (huma passes its error on).
	"invalid character %s looking for beginning of value",
	"invalid character %s after top-level value",
	"invalid character %s after object key",
	"invalid character %s after object key:value pair",
	"invalid character %s after array element",
	"invalid character %s looking for beginning of object key string",
	"invalid character %s in string literal",
	"invalid character %s in string escape code",
	"invalid character %s in numeric literal",
	"invalid character %s in literal %s (expecting %s)",
}

type humaPattern struct {
	re *regexp.Regexp
	fr string // the French entry with every verb as %s
}

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z]`)

// humaPatterns match huma's messages and print their French; built once.
var humaPatterns = func() []humaPattern {
	var out []humaPattern
	for _, en := range humaFormats {
		fr, ok := msgfr.Entry(en)
		if !ok {
			continue
		}
		parts := verbRE.Split(en, -1)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		out = append(out, humaPattern{re: regexp.MustCompile("^" + strings.Join(parts, "(.*)") + "$"), fr: verbRE.ReplaceAllString(fr, "%s")})
	}
	return out
}()
