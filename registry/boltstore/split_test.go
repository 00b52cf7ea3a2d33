package boltstore

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzSplitJWS: splitJWS splits exactly the JWS whose three segments
// decode and encode back to themselves byte for byte (the property that
// makes storing them decoded lossless).
func FuzzSplitJWS(f *testing.F) {
	for _, s := range []string{"eyJhbGciOiJFZERTQSJ9.e30.c2ln", "a.b.c", "YQ.YQ.YQ", "YR.YQ.YQ", "YQ==.YQ.YQ", "Y\nQ.YQ.YQ", "YQ.YQ", "YQ.YQ.YQ.YQ", "..", "Y+Q.YQ.YQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, jws string) {
		parts, ok := splitJWS(jws)
		segs := strings.Split(jws, ".")
		want := len(segs) == 3
		for i := 0; want && i < 3; i++ {
			d, err := base64.RawURLEncoding.Strict().DecodeString(segs[i])
			want = err == nil && base64.RawURLEncoding.EncodeToString(d) == segs[i]
		}
		if ok != want {
			t.Fatalf("splitJWS(%q) ok = %v, want %v", jws, ok, want)
		}
		if ok && joinJWS(parts) != jws {
			t.Fatalf("joinJWS(splitJWS(%q)) = %q", jws, joinJWS(parts))
		}
		// Appended in place after a prefix: the prefix kept, then the
		// parts as appendRaw writes them, or nothing if not ok.
		prefix := []byte("prefix")
		out, inPlace, ok2 := appendSplitJWS(prefix[:len(prefix):len(prefix)], jws)
		want2 := []byte("prefix")
		if ok {
			for _, p := range parts {
				want2 = appendRaw(want2, p)
			}
		}
		if ok2 != ok || !bytes.Equal(out, want2) {
			t.Fatalf("appendSplitJWS(%q) = %q, %v; want %q, %v", jws, out, ok2, want2, ok)
		}
		if ok && joinJWS(inPlace) != jws {
			t.Fatalf("joinJWS of appendSplitJWS(%q)'s parts = %q", jws, joinJWS(inPlace))
		}
	})
}
