package msgfr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/msgfr"
)

// formatCalls are the functions whose argument at the index is an English
// format string a person reads in a problem (msgid of the catalogue).
var formatCalls = map[string]int{
	"Invalid":      1, // registry.Invalid(field, format, args...)
	"fieldProblem": 2, // openapi.fieldProblem(ctx, field, format, args...)
	"Conflict":     0, // registry.Conflict(format, args...)
	"Precondition": 0, // registry.Precondition(format, args...)
	"Textf":        0, // registry.Textf(format, args...)
	"Unavailable":  1, // registry.Unavailable(retryAfter, format, args...)
	"badCursor":    0, // registry/node: badCursor(format, args...)
	"sayf":         1, // openapi: sayf(french, format, args...)
	"issuef":       2, // openapi: issuef(loc, shape, format, args...)
	"problemf":     3, // registry/node: problemf(row, col, val, format, args...)
	"bad":          2, // registry/node import rows, measure/ingest: bad(col, val, format, args...)
	"badRow":       3, // registry/node: badRow(row, col, val, format, args...)
	"Add":          3, // measure: (*Report).Add(row, col, val, format, args...); only with 4 or more arguments
	"formatErr":    1, // registry/sheet: formatErr(kind, format, args...)
	"proofErr":     1, // federation: proofErr(kind, format, args...), a proof's failure (corfed verify --lang fr)
}

type site struct {
	pos    string
	format string // "" when not a literal
	expr   string
}

// sites walks the module's non-test Go files for calls of formatCalls and
// for struct literals' Message: "…" members.
func sites(t *testing.T) []site {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || (strings.HasPrefix(n, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// String constants, by package and name: a format may be one.
	consts := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[f.Name.Name+"."+n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	var out []site
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				// A fixed message in a struct literal (huma.ErrorDetail{Message: "…"}):
				// the problem writer looks it up in the catalogue as it is.
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
					if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s := site{pos: fset.Position(kv.Pos()).String()}
						s.format, _ = strconv.Unquote(lit.Value)
						out = append(out, s)
					}
				}
				return true
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			i, ok := formatCalls[name]
			if !ok || len(call.Args) <= i || name == "Add" && len(call.Args) < 4 {
				return true
			}
			s := site{pos: fset.Position(call.Pos()).String()}
			switch a := call.Args[i].(type) {
			case *ast.BasicLit:
				if a.Kind == token.STRING {
					s.format, _ = strconv.Unquote(a.Value)
				}
			case *ast.Ident:
				s.format = consts[f.Name.Name+"."+a.Name]
			}
			if s.format == "" {
				s.expr = exprString(fset, call.Args[i])
			}
			out = append(out, s)
			return true
		})
	}
	return out
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	p := fset.Position(e.Pos())
	q := fset.Position(e.End())
	return p.String() + "-" + strconv.Itoa(q.Column)
}

// passThrough are the call sites whose format is not a literal: each
// passes on a format its own caller gave (checked at that caller).
var passThrough = map[string]string{
	"measure/ingest/ingest.go":      "parser.bad passes its caller's format to Report.Add",
	"measure/snapshot.go":           "Snapshot.Validate passes on a ValidationError's Format (CheckBN)",
	"openapi/problems.go":           "fieldProblem passes its caller's format to registry.Invalid",
	"openapi/text.go":               "issuef passes on badString's formats (openapi's TestEveryFixedProblemTextHasFrench checks them)",
	"registry/node/precondition.go": "Expectation.check passes on Refuse, a literal of openapi/preconditions.go (listed in the catalogue)",
	"registry/node/search.go":       "badCursor passes its caller's format to registry.Invalid",
}

// passesAnError are the call sites whose format is "%v" (or "%s"): the
// message is an error's (or a string's) own text. openapi says it in
// French when the error keeps its format (registry.Invalid, Conflict,
// Textf) or its text is catalogued as it is; gap marks the sites whose
// text can be neither (it stays English in a French problem).
var passesAnError = map[string]struct {
	n   int
	gap bool
	why string
}{
	"measure/service/service.go": {2, false, "measure.Query.Validate: its problems joined, each a Textf (openapi frenchErr says each and keeps the join)"},
	"measure/snapshot.go":        {1, false, "CheckBN's error when it is not a ValidationError (never, today): the error itself, said by openapi frenchErr"},
	"openapi/federation.go":      {3, false, "registry.ParseDate: Textf"},
	"openapi/imports.go":         {2, false, "registry/sheet's format errors keep their format (formatErr, TextFormat); a decoder's own error inside (excelize, archive/zip) stays English in the French sentence unless catalogued as it is"},
	"openapi/match.go":           {1, false, "registry.ParseDate: Textf"},
	"openapi/passes.go":          {1, false, "encoding/hex's error for a path of odd length, catalogued as it is (the pattern refuses any other)"},
	"openapi/program.go":         {1, false, "registry.ParseDate: Textf"},
	"openapi/programops.go":      {3, false, "registry.ParseDate: Textf"},
	"openapi/records.go":         {1, false, "registry.ParseDate: Textf"},
	"registry/node/import.go":    {9, false, "reasonErr (the ValidationError's format), ParseJurisdiction and cpProblem: Textf"},
	"registry/rules.go":          {1, true, "registry/strictjson's decoding error at a path of a rule file: read only by the command line (corfed program, node.LoadRuleBook), never in an HTTP problem; strictjson cannot use registry.Textf (registry imports it)"},
	"registry/validate.go":       {1, false, "registry.ParseJurisdiction: Textf"},
	"web/web.go":                 {1, false, "the site's own page text (web/i18n.go), not a problem"},
	"webhook/egress.go":          {1, false, "Egress.Check: Textf, its reasons Textf"},
}

// knownGaps counts the sites of passesAnError whose message stays in
// English in a French problem.
const knownGaps = 1

func fileOf(pos string) string {
	file := filepath.ToSlash(pos)
	return strings.TrimPrefix(file[:strings.Index(file, ".go:")+3], "../../")
}

// TestEveryFormatHasFrench fails when a format string given to
// registry.Invalid, Conflict, Precondition, Textf, fieldProblem or an
// import problem in non-test code has no French entry, or an entry whose
// verbs differ from the English ones (in number or kind, per argument).
func TestEveryFormatHasFrench(t *testing.T) {
	n := 0
	errorSites := map[string]int{}
	for _, s := range sites(t) {
		if s.format == "" {
			if passThrough[fileOf(s.pos)] == "" {
				t.Errorf("%s: the format is not a string literal or constant (%s): make it one, or list the site in passThrough with a reason", s.pos, s.expr)
			}
			continue
		}
		if s.format == "%v" || s.format == "%s" {
			errorSites[fileOf(s.pos)]++
			continue
		}
		n++
		if !msgfr.Has(s.format) {
			t.Errorf("%s: no French for %q", s.pos, s.format)
		}
	}
	for file, c := range errorSites {
		if passesAnError[file].n != c {
			t.Errorf("%s: %d sites pass an error's text as the message (\"%%v\"), passesAnError lists %d: list each with what its French is", file, c, passesAnError[file].n)
		}
	}
	for file, g := range passesAnError {
		if errorSites[file] == 0 {
			t.Errorf("%s: passesAnError lists %d sites, there are none", file, g.n)
		}
	}
	gaps := 0
	for _, g := range passesAnError {
		if g.gap {
			gaps += g.n
		}
	}
	if gaps != knownGaps {
		t.Errorf("%d sites are known gaps (messages left in English), the count says %d", gaps, knownGaps)
	}
	if n < 300 {
		t.Errorf("found only %d format sites; is the walk still finding them?", n)
	}
}

// TestFrenchVerbsMatch checks each entry prints the same arguments with
// the same verbs as its English format (an entry may reorder them with
// explicit indexes).
func TestFrenchVerbsMatch(t *testing.T) {
	for _, en := range msgfr.Formats() {
		fr, _ := msgfr.Entry(en)
		if strings.Contains(en, "(% and two hex digits)") {
			continue // a fixed message (openapi checkQuery), not a format: its % is a percent sign
		}
		if a, b := verbs(en), verbs(fr); !maps.Equal(a, b) {
			t.Errorf("%q: verbs %v, French %q has %v", en, a, fr, b)
		}
	}
}

// verbs maps each argument index to the verbs (with flags) that print it.
func verbs(format string) map[int]string {
	out := map[int]string{}
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '%' {
			i = j
			continue
		}
		for j < len(format) && strings.IndexByte("+-# 0", format[j]) >= 0 {
			j++
		}
		if j < len(format) && format[j] == '[' {
			k := strings.IndexByte(format[j:], ']')
			idx, _ := strconv.Atoi(format[j+1 : j+k])
			arg = idx - 1
			j += k + 1
		}
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.') {
			j++
		}
		if j < len(format) {
			out[arg] += string(format[j])
			arg++
		}
		i = j
	}
	return out
}

// TestFrenchPrintsValuesAsIs: the French printer does not reformat
// numbers by the locale (a year stays 2026, a count 1200).
func TestFrenchPrintsValuesAsIs(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		want   string
	}{
		{"year must be from %d to %d", []any{1950, 2100}, "l'année doit être de 1950 à 2100"},
		{"at most %d rows per request, got %d", []any{1000, 12000}, "au plus 1000 lignes par requête, reçu 12000"},
		{"claim costs must be a number of dollars from 0 to %g", []any{1e12}, "les coûts des réclamations doivent être un nombre de dollars de 0 à 1e+12"},
		{"%s's %s program requires a certificate to name the passing audit it is based on (require_audit_basis)", []any{"CA-AB", "COR"},
			"le programme COR de CA-AB exige qu'un certificat nomme la vérification réussie sur laquelle il repose (require_audit_basis)"},
		{"control characters are not allowed (U+%04X)", []any{7}, "les caractères de commande ne sont pas permis (U+0007)"},
		{"no such format %d", []any{2026}, "no such format 2026"},
	} {
		if got := msgfr.Sprintf(c.format, c.args...); got != c.want {
			t.Errorf("Sprintf(%q) = %q, want %q", c.format, got, c.want)
		}
	}
}
