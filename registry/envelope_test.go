package registry

import (
	"bytes"
	"math"
	"testing"
)

// TestEncodeCanonicalEnvelope: the direct encoding gives EncodeEnvelope's
// bytes, on its fast path and off it.
func TestEncodeCanonicalEnvelope(t *testing.T) {
	emp, err := Canonical(Employer{BN: "123456782", LegalName: `Ébénisterie "Lévesque" & Fils <Ltée>`, OperatingNames: []string{"a\u2028b", "tab\there"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  Envelope
	}{
		{"plain", Envelope{Iss: "CA-AB", Seq: 1, Kind: KindEmployer, ID: "123456782", Ver: 1, Iat: 1767225600, Record: emp}},
		{"author", Envelope{Iss: "CA-AB", Seq: 99, Kind: KindCertificate, ID: "ACSA-1", Ver: 3, Iat: -5, By: &Author{Role: "cp", CP: "ACSA", Token: "tok-1"}, Record: []byte(`{"a":1}`)}},
		{"author without cp or token", Envelope{Iss: "CA-AB", Seq: math.MaxUint64, Kind: KindCP, ID: "X", Ver: math.MaxUint64, Iat: math.MinInt64, By: &Author{Role: "admin"}, Record: []byte(`"s"`)}},
		{"html in id", Envelope{Iss: "CA-AB", Seq: 2, Kind: KindEmployer, ID: "a<b>&c", Ver: 1, Record: []byte(`null`)}},
		{"quote in id (slow path)", Envelope{Iss: "CA-AB", Seq: 2, Kind: KindEmployer, ID: `a"b`, Ver: 1, Record: emp}},
		{"accent in token (slow path)", Envelope{Iss: "CA-QC", Seq: 2, Kind: KindEmployer, ID: "x", Ver: 1, By: &Author{Role: "cp", CP: "APSAM", Token: "é"}, Record: emp}},
		{"control character in kind (slow path)", Envelope{Iss: "CA-QC", Seq: 2, Kind: "k\x01", ID: "x", Ver: 1, Record: emp}},
		{"no record (slow path)", Envelope{Iss: "CA-QC", Seq: 2, Kind: KindEmployer, ID: "x", Ver: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := EncodeEnvelope(tc.env)
			got, err := EncodeCanonicalEnvelope(tc.env)
			if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
				t.Errorf("got %s, %v\nwant %s, %v", got, err, want, wantErr)
			}
		})
	}
}

func FuzzEncodeCanonicalEnvelope(f *testing.F) {
	f.Add("CA-AB", "employer", "123456782", "cp", "ACSA", "tok", "Builders Ltd.", uint64(1), uint64(1), int64(1767225600), true)
	f.Add("CA-QC", "certificate", `a"b`, "admin", "", "", "Lévesque <&>\u2028", uint64(0), uint64(7), int64(-1), false)
	f.Fuzz(func(t *testing.T, iss, kind, id, role, cp, jti, name string, seq, ver uint64, iat int64, by bool) {
		rec, err := Canonical(map[string]any{"name": name, "n": iat, "list": []string{id, jti}})
		if err != nil {
			t.Skip()
		}
		env := Envelope{Iss: Jurisdiction(iss), Seq: seq, Kind: Kind(kind), ID: id, Ver: ver, Iat: iat, Record: rec}
		if by {
			env.By = &Author{Role: role, CP: cp, Token: jti}
		}
		want, wantErr := EncodeEnvelope(env)
		got, err := EncodeCanonicalEnvelope(env)
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("got %s, %v\nwant %s, %v", got, err, want, wantErr)
		}
	})
}
