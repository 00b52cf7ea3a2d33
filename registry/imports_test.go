package registry_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/corfed/corfed"

// pkgInfo is what the import rules look at in one package of the module
// (its non-test files unless said otherwise).
type pkgInfo struct {
	imports     []string // direct imports of the non-test files
	testImports []string // direct imports of the _test files
	statusUses  []string // "file: http.StatusXxx" in non-test files
	decoders    []string // "file: what" for a second strict decoder or clip in non-test files
}

// modulePackages parses every Go file of the module (imports and
// selectors only) and returns its packages by import path. Any file it
// cannot read or parse fails the test: a rule that cannot be checked is
// not a rule.
func modulePackages(t *testing.T) map[string]*pkgInfo {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	pkgs := map[string]*pkgInfo{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		ip := module
		if rel != "." {
			ip += "/" + filepath.ToSlash(rel)
		}
		p := pkgs[ip]
		if p == nil {
			p = &pkgInfo{}
			pkgs[ip] = p
		}
		test := strings.HasSuffix(path, "_test.go")
		httpName := ""
		for _, imp := range f.Imports {
			s, _ := strconv.Unquote(imp.Path.Value)
			if test {
				p.testImports = append(p.testImports, s)
			} else {
				p.imports = append(p.imports, s)
			}
			if s == "net/http" {
				httpName = "http"
				if imp.Name != nil {
					httpName = imp.Name.Name
				}
			}
		}
		if !test {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Name.Name == "clip" && n.Body != nil {
						p.decoders = append(p.decoders, filepath.Base(path)+": func clip (use strictjson.Clip)")
					}
				case *ast.SelectorExpr:
					if n.Sel.Name == "DisallowUnknownFields" {
						p.decoders = append(p.decoders, filepath.Base(path)+": DisallowUnknownFields (use strictjson.Decode)")
					}
				}
				return true
			})
		}
		if !test && httpName != "" {
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == httpName && strings.HasPrefix(sel.Sel.Name, "Status") {
						p.statusUses = append(p.statusUses, filepath.Base(path)+": http."+sel.Sel.Name)
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module: %v", err)
	}
	return pkgs
}

// deps returns every package ip depends on through non-test imports,
// module packages and outside ones alike.
func deps(pkgs map[string]*pkgInfo, ip string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		info := pkgs[p]
		if info == nil {
			return
		}
		for _, d := range info.imports {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(ip)
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func under(ip, prefix string) bool { return ip == prefix || strings.HasPrefix(ip, prefix+"/") }

// TestImportRules enforces the layout of the module (see each package's
// doc.go): who may import what.
func TestImportRules(t *testing.T) {
	pkgs := modulePackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages: the walk did not see the module", len(pkgs))
	}
	for ip, info := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(ip, module), "/")
		all := deps(pkgs, ip)
		// equivalence is pure decisions: of the module, only registry.
		if under(ip, module+"/equivalence") {
			for _, d := range info.imports {
				if strings.HasPrefix(d, module) && d != module+"/registry" {
					t.Errorf("%s imports %s; equivalence may import only registry of this module", rel, d)
				}
			}
		}
		// federation builds on the node, never on the storage below it.
		if under(ip, module+"/federation") {
			for _, d := range all {
				if under(d, module+"/registry/boltstore") || under(d, "go.etcd.io/bbolt") {
					t.Errorf("%s depends on %s; federation must not reach storage (use node.Snapshot)", rel, d)
				}
			}
			for _, d := range info.testImports {
				if under(d, module+"/registry/boltstore") {
					t.Errorf("%s tests import %s; federation tests go through the node too", rel, d)
				}
			}
		}
		// The node runs over the registry.Store contract, not a driver.
		if under(ip, module+"/registry/node") && ip != module+"/registry/node/nodetest" {
			for _, d := range all {
				if under(d, module+"/registry/boltstore") || under(d, "go.etcd.io/bbolt") {
					t.Errorf("%s depends on %s; the node runs over registry.Store (cmd wires the driver)", rel, d)
				}
			}
		}
		// registry, strictjson, verified and the Store implementations other
		// than bbolt: no HTTP, no driver, nothing above them.
		if ip == module+"/registry" || under(ip, module+"/registry/strictjson") || under(ip, module+"/registry/verified") ||
			under(ip, module+"/registry/memstore") || under(ip, module+"/registry/storetest") {
			for _, d := range all {
				if d == "net/http" || under(d, module+"/registry/boltstore") || under(d, module+"/registry/node") || under(d, module+"/federation") {
					t.Errorf("%s depends on %s", rel, d)
				}
			}
		}
		// Only openapi knows huma and HTTP status codes (and web, the
		// people-facing edge, the status codes of its pages).
		if !under(ip, module+"/openapi") {
			for _, d := range info.imports {
				if strings.HasPrefix(d, "github.com/danielgtaylor/huma") {
					t.Errorf("%s imports %s; only openapi may import huma", rel, d)
				}
			}
			for _, u := range info.statusUses {
				if under(ip, module+"/web") {
					continue
				}
				if ip == module+"/federation" && strings.HasPrefix(u, "peerclient.go:") {
					continue // the one peer client maps a peer's statuses to error kinds
				}
				if ip == module+"/webhook" && strings.HasPrefix(u, "deliver.go:") {
					continue // the webhook sender reads its receivers' answers (2xx, 410 Gone)
				}
				if ip == module+"/cmd/corfed" && strings.HasPrefix(u, "demo_webhooks.go:") {
					continue // the demo's webhook receiver answers the node that sends to it
				}
				if ip == module+"/cmd/corfed" && strings.HasPrefix(u, "bench_restart.go:") {
					continue // the bench's restart probe waits out a starting node's 503s
				}
				if ip == module+"/registry/tiles" && strings.HasPrefix(u, "httpsource.go:") {
					continue // the static-tile client maps a file server's statuses to error kinds
				}
				t.Errorf("%s/%s; only openapi uses HTTP status codes (and federation's peer client reads them)", rel, u)
			}
		}
		// One strict decoder and one clip, in registry/strictjson.
		if !under(ip, module+"/registry/strictjson") {
			for _, d := range info.decoders {
				t.Errorf("%s/%s: untrusted JSON has one decoder, registry/strictjson", rel, d)
			}
		}
		// Only registry/jose imports jwx (also checked by jose's own test).
		if !under(ip, module+"/registry/jose") {
			for _, d := range append(slices.Clone(info.imports), info.testImports...) {
				if strings.HasPrefix(d, "github.com/lestrrat-go/jwx") {
					t.Errorf("%s imports %s; only registry/jose may import jwx", rel, d)
				}
			}
		}
	}
}
