package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestTilesPublishAnImport: a bulk import over HTTP into a node serving
// --tiles is published like single creates are, without another write to
// wake the publisher (an import's writes used to bypass the wake-up, and
// its checkpoint stayed at the size before the import until the next
// create), and golang.org/x/mod alone verifies the result.
func TestTilesPublishAnImport(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	_, url := serveProcess(t, data, "--tiles", pub)
	code, tok, stderr := run(t, "token", "--data", data)
	if code != 0 {
		t.Fatalf("token: %s", stderr)
	}
	before := logSize(t, url)

	var b strings.Builder
	b.WriteString("number,employer_bn,legal_name,cp,program,issued_on,term_months,sector\n")
	const rows = 300
	for i := range rows {
		prefix := fmt.Sprintf("7%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		fmt.Fprintf(&b, "TIL-%d,%s,Tile Import %d Ltd.,ACSA,COR,2026-01-15,36,construction\n", i, prefix+string(c), i)
	}
	file := filepath.Join(t.TempDir(), "holders.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := run(t, "import", file, "--url", url, "--token", strings.TrimSpace(tok)); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, stderr)
	}
	size := logSize(t, url)
	if size != before+2*rows {
		t.Fatalf("the log holds %d entries after the import, want %d", size, before+2*rows)
	}
	waitPublished(t, pub, size, fmt.Sprintf("an import grew it from %d", before))
	xmodCheckServed(t, url, pub, size)
}
