package federation

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

func envelope() registry.Envelope {
	return registry.Envelope{Iss: "CA-BC", Seq: 7, Kind: registry.KindEmployer, ID: "123456782", Ver: 2, Iat: t0.Unix(),
		Record: json.RawMessage(`{"bn":"123456782","legal_name":"Coastal Rigging"}`)}
}

func signEnvelope(t testing.TB, k *jose.Key, e registry.Envelope) string {
	t.Helper()
	p, err := registry.EncodeEnvelope(e)
	if err != nil {
		t.Fatal(err)
	}
	return signRaw(t, k, p)
}

func signRaw(t testing.TB, k *jose.Key, payload []byte) string {
	t.Helper()
	s, err := k.Sign(payload, node.EntryType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyEntry(t *testing.T) {
	k := newKey(t, jose.EdDSA)
	es := newKey(t, jose.ES256)
	keys := jose.NewKeySet(k.Public(), es.Public())
	with := func(fn func(e *registry.Envelope)) string {
		e := envelope()
		fn(&e)
		return signEnvelope(t, k, e)
	}
	raw := func(payload string) string { return signRaw(t, k, []byte(payload)) }
	good, _ := registry.EncodeEnvelope(envelope())

	for _, tc := range []struct {
		name     string
		jws      string
		wantKind error // nil: verifies
		wantText string
	}{
		{"honest EdDSA", signEnvelope(t, k, envelope()), nil, ""},
		{"honest ES256", signEnvelope(t, es, envelope()), nil, ""},
		{"key announcement id", with(func(e *registry.Envelope) { e.Kind, e.ID = registry.KindKey, "-_"+strings.Repeat("a", 41) }), nil, ""},
		{"attributed to the admin", with(func(e *registry.Envelope) { e.By = &registry.Author{Role: "admin", Token: "a720a2c9007446184a3264b4"} }), nil, ""},
		{"attributed to a CP", with(func(e *registry.Envelope) { e.By = &registry.Author{Role: "cp", CP: "ACSA", Token: "a7"} }), nil, ""},
		{"author of an unknown role", with(func(e *registry.Envelope) { e.By = &registry.Author{Role: "root"} }), registry.ErrInvalid, "by"},
		{"CP author without id", with(func(e *registry.Envelope) { e.By = &registry.Author{Role: "cp"} }), registry.ErrInvalid, "by"},
		{"unknown member in by", raw(`{"iss":"CA-BC","seq":7,"kind":"employer","id":"123456782","ver":2,"iat":0,"by":{"role":"admin","sudo":true},"record":{}}`), registry.ErrInvalid, "sudo"},
		{"author null", raw(`{"iss":"CA-BC","seq":7,"kind":"employer","id":"123456782","ver":2,"iat":0,"by":null,"record":{}}`), nil, ""},
		{"author not an object", raw(`{"iss":"CA-BC","seq":7,"kind":"employer","id":"123456782","ver":2,"iat":0,"by":"admin","record":{}}`), registry.ErrInvalid, "by"},
		{"member twice in by", raw(`{"iss":"CA-BC","seq":7,"kind":"employer","id":"123456782","ver":2,"iat":0,"by":{"role":"cp","cp":"A","cp":"B"},"record":{}}`), registry.ErrInvalid, "twice"},
		{"by twice", raw(`{"iss":"CA-BC","seq":7,"kind":"employer","id":"123456782","ver":2,"iat":0,"by":{"role":"admin"},"by":{"role":"cp","cp":"X"},"record":{}}`), registry.ErrInvalid, "by"},
		{"not a JWS", "hello", registry.ErrInvalid, "segments"},
		{"empty", "", registry.ErrInvalid, "segments"},
		{"another issuer", with(func(e *registry.Envelope) { e.Iss = "CA-AB" }), registry.ErrUnverified, "issued as"},
		{"no issuer", with(func(e *registry.Envelope) { e.Iss = "" }), registry.ErrUnverified, "issued as"},
		{"unknown kind", with(func(e *registry.Envelope) { e.Kind = "payment" }), registry.ErrInvalid, "unknown kind"},
		{"empty id", with(func(e *registry.Envelope) { e.ID = "" }), registry.ErrInvalid, "id"},
		{"id of 65 bytes", with(func(e *registry.Envelope) { e.ID = strings.Repeat("a", 65) }), registry.ErrInvalid, "id"},
		{"id with a NUL", with(func(e *registry.Envelope) { e.ID = "a\x00b" }), registry.ErrInvalid, "id"},
		{"id with a slash", with(func(e *registry.Envelope) { e.ID = "../x" }), registry.ErrInvalid, "id"},
		{"ver 0", with(func(e *registry.Envelope) { e.Ver = 0 }), registry.ErrInvalid, "versions start at 1"},
		{"seq 0", with(func(e *registry.Envelope) { e.Seq = 0 }), registry.ErrInvalid, "seq"},
		{"record null", with(func(e *registry.Envelope) { e.Record = json.RawMessage("null") }), registry.ErrInvalid, "not a JSON object"},
		{"record a string", with(func(e *registry.Envelope) { e.Record = json.RawMessage(`"x"`) }), registry.ErrInvalid, "not a JSON object"},
		{"record missing", raw(`{"iss":"CA-BC","seq":1,"kind":"employer","id":"x","ver":1,"iat":0}`), registry.ErrInvalid, "not a JSON object"},
		{"record too large", with(func(e *registry.Envelope) {
			e.Record = json.RawMessage(`{"pad":"` + strings.Repeat("x", MaxRecordSize) + `"}`)
		}), registry.ErrInvalid, "at most"},
		{"member twice in the record", with(func(e *registry.Envelope) {
			e.Record = json.RawMessage(`{"bn":"123456782","legal_name":"A","legal_name":"B"}`)
		}), registry.ErrInvalid, "twice"},
		{"member twice, escaped", with(func(e *registry.Envelope) {
			e.Record = json.RawMessage(`{"a":{"bn":"1","\u0062n":"2"}}`)
		}), registry.ErrInvalid, "twice"},
		{"member spelled in another case", raw(strings.Replace(string(good), `"iss"`, `"ISS"`, 1)), registry.ErrInvalid, "unknown field"},
		{"member twice in another case", raw(strings.TrimSuffix(string(good), "}") + `,"VER":1}`), registry.ErrInvalid, "unknown field"},
		{"unknown envelope member", raw(strings.TrimSuffix(string(good), "}") + `,"kid":"x"}`), registry.ErrInvalid, "unknown field"},
		{"data after the envelope", raw(string(good) + " {}"), registry.ErrInvalid, "after"},
		{"envelope not an object", raw(`[1,2]`), registry.ErrInvalid, "payload"},
		{"invalid UTF-8 in the envelope", raw(strings.Replace(string(good), "Coastal", "Co\xffstal", 1)), registry.ErrInvalid, "UTF-8"},
		{"wrong typ", func() string {
			s, _ := k.Sign(good, "JWT")
			return s
		}(), registry.ErrUnverified, "typ"},
		{"no typ", func() string {
			s, _ := k.Sign(good, "")
			return s
		}(), registry.ErrUnverified, "typ"},
		{"unpinned key", signEnvelope(t, newKey(t, jose.EdDSA), envelope()), registry.ErrUnverified, "unknown kid"},
		{"alg none", func() string {
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + k.KID + `"}`))
			return h + "." + base64.RawURLEncoding.EncodeToString(good) + "."
		}(), registry.ErrUnverified, "not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := VerifyEntry(keys, "CA-BC", tc.jws)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("VerifyEntry: %v", err)
				}
				e := v.Entry()
				if e.JWS != tc.jws || e.Iss != "CA-BC" {
					t.Errorf("entry: got iss %s and another JWS, want CA-BC and the token", e.Iss)
				}
				return
			}
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("VerifyEntry: got %v, want kind %v", err, tc.wantKind)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("VerifyEntry: got %q, want it to mention %q", err, tc.wantText)
			}
			if !reflect.DeepEqual(v, Verified{}) {
				t.Errorf("VerifyEntry failed but returned a non-zero Verified")
			}
		})
	}
}

func TestVerifiedFieldsComeFromThePayload(t *testing.T) {
	k := newKey(t, jose.EdDSA)
	withBy := envelope()
	withBy.By = &registry.Author{Role: "cp", CP: "ACSA", Token: "a720"}
	for _, want := range []registry.Envelope{envelope(), withBy} {
		v, err := VerifyEntry(jose.NewKeySet(k.Public()), "CA-BC", signEnvelope(t, k, want))
		if err != nil {
			t.Fatal(err)
		}
		got := v.Entry()
		if got.Envelope().Iss != want.Iss || got.Seq != want.Seq || got.Kind != want.Kind || got.ID != want.ID ||
			got.Ver != want.Ver || got.Iat != want.Iat || !bytes.Equal(got.Record, want.Record) || !reflect.DeepEqual(got.By, want.By) {
			t.Errorf("entry: got %+v, want the fields of %+v", got, want)
		}
	}
}

func FuzzVerifyEntry(f *testing.F) {
	k, err := jose.GenerateKey(jose.EdDSA, t0)
	if err != nil {
		f.Fatal(err)
	}
	keys := jose.NewKeySet(k.Public())
	good := signEnvelope(f, k, envelope())
	f.Add(good)
	f.Add(good[:len(good)-2])
	f.Add(strings.Replace(good, ".", "..", 1))
	e := envelope()
	e.Record = json.RawMessage(`{"a":{"b":[1,2,{"c":"\u00e9"}]}}`)
	f.Add(signEnvelope(f, k, e))
	f.Add(signRaw(f, k, []byte(`{"iss":"CA-BC","seq":1,"kind":"key","id":"a","ver":1,"iat":0,"record":{"a":1,"a":2}}`)))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, jws string) {
		v, err := VerifyEntry(keys, "CA-BC", jws)
		if err != nil {
			if !reflect.DeepEqual(v, Verified{}) {
				t.Fatalf("error %v with a non-zero Verified", err)
			}
			if !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrUnverified) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		e := v.Entry()
		if e.JWS != jws || e.Iss != "CA-BC" || !registry.ValidEntryID(e.ID) || e.Seq < 1 || e.Ver < 1 || len(e.Record) == 0 || e.Record[0] != '{' {
			t.Fatalf("accepted %+v", e)
		}
		if err := strictjson.CheckNames(e.Record); err != nil {
			t.Fatalf("accepted a record with %v", err)
		}
	})
}
