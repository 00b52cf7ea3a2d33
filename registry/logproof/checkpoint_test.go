package logproof_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB, alg string) *jose.Key {
	t.Helper()
	k, err := jose.GenerateKey(alg, now)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sample returns a checkpoint of a real 42-leaf tree.
func sample(t testing.TB) logproof.Checkpoint {
	m := newMemLog(t, 42)
	return logproof.Checkpoint{Origin: logproof.Origin("CA-AB"), Size: 42, Root: m.root(t, 42), Time: now}
}

func TestBodyRoundTrip(t *testing.T) {
	c := sample(t)
	want := "corfed/CA-AB\n42\n" + c.Root.String() + "\n2026-11-25T12:00:00Z\n"
	if got := string(c.Body()); got != want {
		t.Fatalf("Body:\n got %q\nwant %q", got, want)
	}
	got, err := logproof.ParseBody([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(c) || got.Time.Location() != time.UTC {
		t.Errorf("ParseBody: got %+v, want %+v in UTC", got, c)
	}
	// Body writes UTC seconds whatever the zone and fraction.
	c.Time = now.Add(1500 * time.Millisecond).In(time.FixedZone("MST", -7*3600))
	if got := string(c.Body()); !strings.HasSuffix(got, "\n2026-11-25T12:00:01Z\n") {
		t.Errorf("Body of a zoned, fractional time: got %q", got)
	}
	// The empty tree.
	empty := logproof.Checkpoint{Origin: "corfed/CA-AB", Size: 0, Root: newMemLog(t, 0).root(t, 0), Time: now}
	if _, err := logproof.ParseBody(empty.Body()); err != nil {
		t.Errorf("empty tree: %v", err)
	}
}

func TestParseBodyIsStrict(t *testing.T) {
	root := sample(t).Root.String()
	good := "corfed/CA-AB\n42\n" + root + "\n2026-11-25T12:00:00Z\n"
	if _, err := logproof.ParseBody([]byte(good)); err != nil {
		t.Fatalf("good body: %v", err)
	}
	var zero tlog.Hash
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"no final newline", strings.TrimSuffix(good, "\n")},
		{"extra line", good + "extension\n"},
		{"blank extra line", good + "\n"},
		{"three lines", "corfed/CA-AB\n42\n" + root + "\n"},
		{"trailing bytes", good + "x"},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n")},
		{"CR in root line", "corfed/CA-AB\n42\n" + root[:10] + "\r" + root[11:] + "\n2026-11-25T12:00:00Z\n"},
		{"leading newline", "\n" + good},
		{"empty origin", "\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"origin with space", "corfed/CA AB\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"origin with plus", "corfed/CA+AB\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"origin with tab", "corfed/\tCA-AB\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"origin not ASCII", "corfed/QC-Québec\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"origin too long", strings.Repeat("o", logproof.MaxOriginSize+1) + "\n42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size with leading zero", "corfed/CA-AB\n042\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size 00", "corfed/CA-AB\n00\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size with plus", "corfed/CA-AB\n+42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size with minus", "corfed/CA-AB\n-42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size with space", "corfed/CA-AB\n 42\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size hex", "corfed/CA-AB\n0x2a\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size empty", "corfed/CA-AB\n\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size over the maximum", "corfed/CA-AB\n4611686018427387905\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size over int64", "corfed/CA-AB\n9223372036854775808\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size over uint64", "corfed/CA-AB\n18446744073709551616\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"size 0 with a non-empty root", "corfed/CA-AB\n0\n" + root + "\n2026-11-25T12:00:00Z\n"},
		{"root not base64", "corfed/CA-AB\n42\n" + strings.Repeat("!", 44) + "\n2026-11-25T12:00:00Z\n"},
		{"root url-safe", "corfed/CA-AB\n42\n" + strings.NewReplacer("+", "-", "/", "_").Replace(withPlusSlash()) + "\n2026-11-25T12:00:00Z\n"},
		{"root unpadded", "corfed/CA-AB\n42\n" + strings.TrimSuffix(root, "=") + "\n2026-11-25T12:00:00Z\n"},
		{"root stray bits", "corfed/CA-AB\n42\n" + strayBits(root) + "\n2026-11-25T12:00:00Z\n"},
		{"root short", "corfed/CA-AB\n42\n" + base64.StdEncoding.EncodeToString(zero[:31]) + "\n2026-11-25T12:00:00Z\n"},
		{"root long", "corfed/CA-AB\n42\n" + base64.StdEncoding.EncodeToString(append(zero[:], 0)) + "\n2026-11-25T12:00:00Z\n"},
		{"root hex", "corfed/CA-AB\n42\n" + strings.Repeat("00", 32) + "\n2026-11-25T12:00:00Z\n"},
		{"time with offset", "corfed/CA-AB\n42\n" + root + "\n2026-11-25T05:00:00-07:00\n"},
		{"time with +00:00", "corfed/CA-AB\n42\n" + root + "\n2026-11-25T12:00:00+00:00\n"},
		{"time with fraction", "corfed/CA-AB\n42\n" + root + "\n2026-11-25T12:00:00.5Z\n"},
		{"time lower-case z", "corfed/CA-AB\n42\n" + root + "\n2026-11-25t12:00:00z\n"},
		{"time without seconds", "corfed/CA-AB\n42\n" + root + "\n2026-11-25T12:00Z\n"},
		{"time impossible", "corfed/CA-AB\n42\n" + root + "\n2026-02-30T12:00:00Z\n"},
		{"time unix", "corfed/CA-AB\n42\n" + root + "\n1795608000\n"},
		{"lines swapped", "corfed/CA-AB\n" + root + "\n42\n2026-11-25T12:00:00Z\n"},
		{"too long", strings.Repeat("x", logproof.MaxBodySize+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := logproof.ParseBody([]byte(tc.body))
			if !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("got %+v, %v; want an error wrapping ErrInvalid", c, err)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	for _, alg := range []string{jose.EdDSA, jose.ES256} {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			keys := jose.NewKeySet(k.Public())
			c := sample(t)
			c.Time = now.Add(999 * time.Millisecond).Local()
			s, err := logproof.Sign(k, c)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Time.Equal(now) || s.Time.Location() != time.UTC {
				t.Errorf("Sign kept time %v, want %v in UTC", s.Time, now)
			}
			got, err := logproof.Verify(keys, "corfed/CA-AB", s.JWS)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(s.Checkpoint) {
				t.Errorf("Verify: got %+v, want %+v", got, s.Checkpoint)
			}
			// Any JOSE verifier sees the body as the payload and our typ.
			v, err := keys.Verify([]byte(s.JWS))
			if err != nil {
				t.Fatal(err)
			}
			if string(v.Payload) != string(s.Body()) || v.Typ != logproof.CheckpointType {
				t.Errorf("JWS payload %q typ %q, want the body and %q", v.Payload, v.Typ, logproof.CheckpointType)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	k, other := newKey(t, jose.EdDSA), newKey(t, jose.EdDSA)
	keys := jose.NewKeySet(k.Public())
	c := sample(t)
	s, err := logproof.Sign(k, c)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(s.JWS, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	tamperedBody := c
	tamperedBody.Size++
	entryTyp, _ := k.Sign(c.Body(), "corfed-entry+jws")
	cosig, _ := logproof.Cosign(k, c)
	byOther, _ := logproof.Sign(other, c)
	noTyp, _ := k.Sign(c.Body(), "")
	badBody, _ := k.Sign([]byte("corfed/CA-AB\n42\n"), logproof.CheckpointType)
	tests := []struct {
		name, origin, jws string
		kind              error
	}{
		{"wrong origin", "corfed/CA-BC", s.JWS, registry.ErrUnverified},
		{"origin prefix only", "corfed/CA-A", s.JWS, registry.ErrUnverified},
		{"tampered payload", "corfed/CA-AB", parts[0] + "." + b64(tamperedBody.Body()) + "." + parts[2], registry.ErrUnverified},
		{"tampered signature", "corfed/CA-AB", parts[0] + "." + parts[1] + "." + flip(parts[2]), registry.ErrUnverified},
		{"signed by another key", "corfed/CA-AB", byOther.JWS, registry.ErrUnverified},
		{"entry typ", "corfed/CA-AB", entryTyp, registry.ErrUnverified},
		{"cosignature typ", "corfed/CA-AB", cosig, registry.ErrUnverified},
		{"no typ", "corfed/CA-AB", noTyp, registry.ErrUnverified},
		{"signed malformed body", "corfed/CA-AB", badBody, registry.ErrInvalid},
		{"not a JWS", "corfed/CA-AB", "corfed/CA-AB\n42\n", registry.ErrInvalid},
		{"empty", "corfed/CA-AB", "", registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := logproof.Verify(keys, tc.origin, tc.jws)
			if !errors.Is(err, tc.kind) {
				t.Errorf("got %+v, %v; want an error wrapping %v", got, err, tc.kind)
			}
		})
	}
}

// flip changes one bit of a base64url segment's first byte.
func flip(seg string) string {
	b, _ := base64.RawURLEncoding.DecodeString(seg)
	b[0] ^= 1
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestSignRejectsInvalid(t *testing.T) {
	k := newKey(t, jose.EdDSA)
	good := sample(t)
	tests := []struct {
		name   string
		modify func(*logproof.Checkpoint)
	}{
		{"empty origin", func(c *logproof.Checkpoint) { c.Origin = "" }},
		{"origin with newline", func(c *logproof.Checkpoint) { c.Origin = "corfed/CA-AB\n43" }},
		{"size over the maximum", func(c *logproof.Checkpoint) { c.Size = logproof.MaxTreeSize + 1 }},
		{"size 0 with a non-empty root", func(c *logproof.Checkpoint) { c.Size = 0 }},
		{"zero time", func(c *logproof.Checkpoint) { c.Time = time.Time{} }},
		{"year 10000", func(c *logproof.Checkpoint) { c.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.modify(&c)
			if _, err := logproof.Sign(k, c); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Sign: got %v, want ErrInvalid", err)
			}
			if _, err := logproof.Cosign(k, c); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Cosign: got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestCosign(t *testing.T) {
	logKey, witness, stranger := newKey(t, jose.EdDSA), newKey(t, jose.ES256), newKey(t, jose.EdDSA)
	witnessKeys := jose.NewKeySet(witness.Public())
	s, err := logproof.Sign(logKey, sample(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := logproof.Verify(jose.NewKeySet(logKey.Public()), "corfed/CA-AB", s.JWS)
	if err != nil {
		t.Fatal(err)
	}
	cosig, err := logproof.Cosign(witness, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := logproof.VerifyCosignature(witnessKeys, c, cosig); err != nil {
		t.Fatalf("VerifyCosignature: %v", err)
	}
	later := c
	later.Time = c.Time.Add(time.Second)
	bigger := c
	bigger.Size++
	byStranger, _ := logproof.Cosign(stranger, c)
	tests := []struct {
		name string
		c    logproof.Checkpoint
		jws  string
		kind error
	}{
		{"another time", later, cosig, registry.ErrUnverified},
		{"another size", bigger, cosig, registry.ErrUnverified},
		{"by a key not pinned", c, byStranger, registry.ErrUnverified},
		{"the log's own signature", c, s.JWS, registry.ErrUnverified},
		{"garbage", c, "a.b.c", registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := logproof.VerifyCosignature(witnessKeys, tc.c, tc.jws); !errors.Is(err, tc.kind) {
				t.Errorf("got %v, want an error wrapping %v", err, tc.kind)
			}
		})
	}
	// The log's own signature is not a cosignature even by a pinned key.
	if err := logproof.VerifyCosignature(jose.NewKeySet(logKey.Public()), c, s.JWS); !errors.Is(err, registry.ErrUnverified) {
		t.Errorf("checkpoint signature as cosignature: got %v, want ErrUnverified", err)
	}
}

func TestSignedJSON(t *testing.T) {
	k := newKey(t, jose.EdDSA)
	s, err := logproof.Sign(k, sample(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"origin": "corfed/CA-AB", "size": 42.0, "root_hash": s.Root.String(),
		"time": "2026-11-25T12:00:00Z", "body": string(s.Body()), "jws": s.JWS}
	if len(m) != len(want) {
		t.Errorf("members: got %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: got %v, want %v", k, m[k], v)
		}
	}
	var back logproof.Signed
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(s.Checkpoint) || back.JWS != s.JWS {
		t.Errorf("round trip: got %+v, want %+v", back, s)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"size disagrees", `"size":42`, `"size":41`},
		{"origin disagrees", `"origin":"corfed/CA-AB"`, `"origin":"corfed/CA-BC"`},
		{"time disagrees", `"time":"2026-11-25T12:00:00Z"`, `"time":"2026-11-25T12:00:01Z"`},
		{"missing jws", `,"jws":"` + s.JWS + `"`, ``},
		{"body not canonical", `\n42\n`, `\n042\n`},
	} {
		bad := strings.Replace(string(b), tc.from, tc.to, 1)
		if bad == string(b) {
			t.Fatalf("%s: replacement did not apply to %s", tc.name, b)
		}
		if err := json.Unmarshal([]byte(bad), &back); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", tc.name, err)
		}
	}
}
