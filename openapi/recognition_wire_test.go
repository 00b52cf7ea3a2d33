package openapi_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Volatile parts of a recognition answer: the node's key is new in every
// test run, so every JWS, and the hashes of the log that hold them, differ.
var (
	wireJWS  = regexp.MustCompile(`"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+"`)
	wireHash = regexp.MustCompile(`"[A-Za-z0-9+/]{43}="`)
	wireJTI  = regexp.MustCompile(`"jti":"[0-9a-f]{24}"`)
)

func normalizeWire(b []byte) []byte {
	b = wireJWS.ReplaceAll(b, []byte(`"<jws>"`))
	b = wireHash.ReplaceAll(b, []byte(`"<hash>"`))
	return wireJTI.ReplaceAll(b, []byte(`"jti":"<jti>"`))
}

// TestRecognitionWireGolden pins the bytes of a recognition answer and of
// its proof's claims (JWS values, log hashes and the jti replaced, since
// the test node's key is new each run), and its headers: member order,
// escaping and the trailing newline are part of the wire. Two questions:
// today (no history) and a past date (with history). Update with
// go test ./openapi -run TestRecognitionWireGolden -update.
func TestRecognitionWireGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, query string }{
		{"today", "bn=" + bnPrairie + "&host=CA-AB&sector=construction"},
		{"past", "bn=" + bnPrairie + "&host=CA-BC&sector=construction&on=2026-11-24&use=bid&lang=fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, b := f.do(t, "GET", "/v1/recognition?"+tc.query, "", "")
			if status != 200 {
				t.Fatalf("recognition: got %d: %s", status, b)
			}
			i := bytes.Index(b, []byte(`"proof":"`))
			j := bytes.LastIndexByte(b, '"')
			if i < 0 || j < i+9 {
				t.Fatalf("no proof in %s", b)
			}
			parts := strings.Split(string(b[i+9:j]), ".")
			if len(parts) != 3 {
				t.Fatalf("proof is not a compact JWS: %s", b[i+9:j])
			}
			claims, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			for _, k := range []string{"Content-Type", "Content-Language", "Vary", "Cache-Control", "Etag"} {
				v := h.Values(k)
				if k == "Etag" && len(v) > 0 {
					v = []string{"<present>"}
				}
				got.WriteString(k + ": " + strings.Join(v, ", ") + "\n")
			}
			got.WriteString("\nbody:\n")
			got.Write(normalizeWire(b))
			got.WriteString("\nproof claims:\n")
			got.Write(normalizeWire(claims))
			got.WriteString("\n")
			golden := filepath.Join("testdata", "recognition-"+tc.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("answer differs from %s:\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
			}
		})
	}
}
