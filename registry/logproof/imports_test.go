package logproof_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports enforces the package's import rule: the standard library,
// tlog, registry, registry/jose and registry/strictjson, nothing else (no storage, no HTTP, no
// jwx).
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"golang.org/x/mod/sumdb/tlog":            true,
		"github.com/corfed/corfed/registry":      true,
		"github.com/corfed/corfed/registry/jose": true,
		// the one strict JSON decoder (standard library only)
		"github.com/corfed/corfed/registry/strictjson": true,
	}
	for _, p := range pkg.Imports {
		if allowed[p] || !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			continue // allowed, or standard library
		}
		t.Errorf("logproof imports %s; only the standard library, tlog, registry, registry/jose and registry/strictjson are allowed", p)
	}
}
