package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/tiles"
)

// FuzzParseBundle: ParseBundle never panics, and whatever it accepts
// re-encodes to the same bytes.
func FuzzParseBundle(f *testing.F) {
	b, _ := tiles.AppendEntry(nil, []byte("eyJhbGciOiJFZERTQSJ9.e30.sig"))
	b, _ = tiles.AppendEntry(b, []byte("x"))
	f.Add(b, 2)
	f.Add([]byte{0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 1}, 1)
	f.Fuzz(func(t *testing.T, data []byte, want int) {
		es, err := tiles.ParseBundle(data, want)
		if err != nil {
			return
		}
		if len(es) != want {
			t.Fatalf("%d entries, want %d", len(es), want)
		}
		var out []byte
		for _, e := range es {
			if out, err = tiles.AppendEntry(out, e); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out, data) {
			t.Fatal("re-encoding differs")
		}
	})
}

// FuzzParseCheckpointText: the parser never panics, and what it accepts is
// canonical (CheckpointText gives the same three lines back), followed
// only by non-empty extension lines, each ended by a line feed.
func FuzzParseCheckpointText(f *testing.F) {
	f.Add("corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n")
	f.Add("corfed/CA-AB\n05\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n")
	f.Add("corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\nextension\n")
	f.Add("corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n\n")
	f.Add("o\n1\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := tiles.ParseCheckpointText(text)
		if err != nil {
			return
		}
		canonical := tiles.CheckpointText(c.Origin, c.Size, c.Root)
		ext, ok := strings.CutPrefix(text, canonical)
		if !ok {
			t.Fatalf("accepted %q, canonical form %q", text, canonical)
		}
		for _, line := range strings.SplitAfter(ext, "\n") {
			if line == "\n" || (line != "" && !strings.HasSuffix(line, "\n")) {
				t.Fatalf("accepted %q: extension %q", text, ext)
			}
		}
	})
}

// FuzzReadBulk: ReadBulk never panics on any bytes (gzip or not), and the
// entries it accepts are consecutive from the start it was given and
// written back the same way give the same bytes (every line with its line
// feed, no carriage return).
func FuzzReadBulk(f *testing.F) {
	f.Add(gzipped("{\"seq\":1,\"jws\":\"a.b.c\"}\n{\"seq\":2,\"jws\":\"d.e.f\"}\n"), uint64(0))
	f.Add(gzipped("{\"seq\":8,\"jws\":\"a.b.c\"}\n"), uint64(7))
	f.Add(gzipped("{\"seq\":1,\"jws\":\"a\\u003cb\"}\n"), uint64(0))
	f.Add(gzipped("{\"seq\":1, \"jws\":\"x\"}\n"), uint64(0))
	f.Add(gzipped("{\"seq\":1,\"jws\":\"a.b.c\"}\r\n"), uint64(0))
	f.Add(gzipped("{\"seq\":1,\"jws\":\"a.b.c\"}"), uint64(0))
	f.Add([]byte("not gzip"), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, from uint64) {
		if from > 1<<62 {
			return
		}
		var out strings.Builder
		next := from + 1
		last, err := tiles.ReadBulk(bytes.NewReader(data), from, func(seq uint64, jws []byte) error {
			if seq != next || len(jws) == 0 {
				t.Fatalf("entry seq %d (%d bytes), want seq %d", seq, len(jws), next)
			}
			next++
			b, _ := json.Marshal(struct {
				Seq uint64 `json:"seq"`
				JWS string `json:"jws"`
			}{seq, string(jws)})
			out.Write(b)
			out.WriteByte('\n')
			return nil
		})
		if last != next-1 {
			t.Fatalf("returned seq %d, last entry given %d", last, next-1)
		}
		if err != nil {
			return
		}
		zr, zerr := gzip.NewReader(bytes.NewReader(data))
		if zerr != nil {
			t.Fatalf("accepted what gzip refuses: %v", zerr)
		}
		raw, _ := io.ReadAll(zr)
		if got := string(raw); got != out.String() {
			t.Fatalf("accepted %q, which writes back as %q", raw, out.String())
		}
	})
}

// FuzzParseBulkName: the parser never panics, and what it accepts is the
// canonical name of what it read.
func FuzzParseBulkName(f *testing.F) {
	f.Add("snapshot/1000.jsonl.gz")
	f.Add("delta/1000-1256.jsonl.gz")
	f.Add("x/0100.jsonl.gz")
	f.Add("delta/5-5.jsonl.gz")
	f.Fuzz(func(t *testing.T, name string) {
		b, err := tiles.ParseBulkName(name)
		if err != nil {
			return
		}
		if b.To <= b.From {
			t.Fatalf("%q: from %d to %d", name, b.From, b.To)
		}
		p := b.Path()
		if base := name[strings.LastIndexAny(name, `/\`)+1:]; base != p[strings.LastIndex(p, "/")+1:] {
			t.Fatalf("%q read as %+v, whose name is %q", name, b, p)
		}
	})
}

func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.Bytes()
}

// bytesSource serves one object, at NoteKeyPath.
type bytesSource []byte

func (b bytesSource) Get(_ context.Context, path string, max int64) ([]byte, error) {
	if path != tiles.NoteKeyPath {
		return nil, registry.ErrNotFound
	}
	if int64(len(b)) > max {
		return nil, registry.ErrInvalid
	}
	return b, nil
}

// FuzzReadNoteKey: a note-key from a source never panics the reader, and
// what it accepts is an Ed25519 note verifier key named by a corfed
// origin, which reads back the same once written as a mirror writes it.
func FuzzReadNoteKey(f *testing.F) {
	f.Add([]byte("corfed/CA-AB+0bff5243+AYcPRBbBFYsyqKEGFrmExP1IDCsk02ncIMpSxDNOwbC5\n"))
	f.Add([]byte("corfed/CA-AB+0bff5243+AYcPRBbBFYsyqKEGFrmExP1IDCsk02ncIMpSxDNOwbC5"))
	f.Add([]byte("other+0bff5243+AYcPRBbBFYsyqKEGFrmExP1IDCsk02ncIMpSxDNOwbC5\n"))
	f.Add([]byte("corfed/CA-AB+00000000+AYcPRBbBFYsyqKEGFrmExP1IDCsk02ncIMpSxDNOwbC5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vkey, err := tiles.ReadNoteKey(context.Background(), bytesSource(data))
		if err != nil {
			return
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatalf("accepted %q: %v", vkey, err)
		}
		if !strings.HasPrefix(v.Name(), "corfed/") || strings.ContainsFunc(v.Name(), func(r rune) bool { return r <= ' ' || r > '~' }) {
			t.Fatalf("accepted a key named %q", v.Name())
		}
		if again, err := tiles.ReadNoteKey(context.Background(), bytesSource(vkey+"\n")); err != nil || again != vkey {
			t.Fatalf("written back, %q reads as %q, %v", vkey, again, err)
		}
	})
}
