package verified

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
)

// decodeEnvelopeBySchema is decodeEnvelope as first written, with
// strictjson.DecodeSchema: the definition decodeEnvelope must agree with.
func decodeEnvelopeBySchema(data []byte) (registry.Envelope, error) {
	if len(data) == 0 || data[0] != '{' {
		return registry.Envelope{}, errors.New("not a JSON object")
	}
	var w struct {
		registry.Envelope
		By json.RawMessage `json:"by"`
	}
	if err := strictjson.DecodeSchema(data, &w, [][]string{envelopeMembers}); err != nil {
		return registry.Envelope{}, err
	}
	env := w.Envelope
	if w.By != nil && string(w.By) != "null" {
		var a registry.Author
		if err := strictjson.Decode(w.By, &a); err != nil {
			return registry.Envelope{}, fmt.Errorf("by: %w", err)
		}
		env.By = &a
	}
	return env, nil
}

// checkEnvelopeAgrees fails t unless decodeEnvelope and
// decodeEnvelopeBySchema both refuse data or both give the same envelope.
func checkEnvelopeAgrees(t *testing.T, data []byte) {
	t.Helper()
	got, err := decodeEnvelope(data)
	want, wantErr := decodeEnvelopeBySchema(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("decodeEnvelope(%q): error %v; by schema: error %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeEnvelope(%q) = %+v; by schema: %+v", data, got, want)
	}
}

var envelopeCases = []struct {
	name, json string
	ok         bool
}{
	{"entry", `{"iss":"CA-AB","seq":7,"kind":"certificate","id":"C-1","ver":2,"iat":1796214762,"record":{"id":"C-1","history":[{"on":"2025-03-01"}]}}`, true},
	{"author", `{"iss":"CA-AB","seq":7,"kind":"employer","id":"1","ver":1,"iat":-5,"by":{"role":"cp","cp":"ACSA","jti":"t-1"},"record":{}}`, true},
	{"author in another case", `{"by":{"ROLE":"cp"},"record":{}}`, true},
	{"null author", `{"by":null,"record":{}}`, true},
	{"null record", `{"record":null}`, true},
	{"null members", `{"iss":null,"seq":null,"kind":null,"id":null,"ver":null,"iat":null}`, true},
	{"escaped id", `{"id":"a\u002db","record":{}}`, true},
	{"white space", "{\"seq\" : 1 ,\n\"record\" : { } } ", true},
	{"leading white space", " {}", false},
	{"empty", `{}`, true},
	{"unknown author member", `{"by":{"role":"cp","x":1}}`, false},
	{"repeated author member", `{"by":{"role":"cp","Role":"admin"}}`, false},
	{"string author", `{"by":"admin"}`, false},
	{"repeated member", `{"seq":1,"seq":2}`, false},
	{"repeated in record", `{"record":{"a":1,"a":2}}`, false},
	{"unknown member", `{"sig":"x"}`, false},
	{"member in another case", `{"Seq":1}`, false},
	{"negative seq", `{"seq":-1}`, false},
	{"fraction", `{"ver":1.5}`, false},
	{"iat too large", `{"iat":9223372036854775808}`, false},
	{"smallest iat", `{"iat":-9223372036854775808}`, true},
	{"string seq", `{"seq":"1"}`, false},
	{"number iss", `{"iss":1}`, false},
	{"trailing data", `{} x`, false},
	{"not an object", `[]`, false},
	{"null", `null`, false},
	{"invalid UTF-8", "{\"id\":\"\xff\"}", false},
	{"too deep", `{"record":` + strings.Repeat(`{"a":`, 64) + `1` + strings.Repeat(`}`, 64) + `}`, false},
	{"deep enough", `{"record":` + strings.Repeat(`{"a":`, 63) + `1` + strings.Repeat(`}`, 63) + `}`, true},
}

func TestDecodeEnvelope(t *testing.T) {
	for _, tc := range envelopeCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeEnvelope([]byte(tc.json)); (err == nil) != tc.ok {
				t.Errorf("decodeEnvelope(%s): got error %v, want ok: %v", tc.json, err, tc.ok)
			}
			checkEnvelopeAgrees(t, []byte(tc.json))
		})
	}
}

// FuzzDecodeEnvelope: decodeEnvelope accepts exactly what
// strictjson.DecodeSchema accepts, with the same envelope.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, tc := range envelopeCases {
		f.Add([]byte(tc.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEnvelopeAgrees(t, data)
	})
}
