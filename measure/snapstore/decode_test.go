package snapstore

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
)

// The members decodeSnapshot reads are those of measure.Snapshot's JSON.
func TestDecodeSnapshotMembers(t *testing.T) {
	var names []string
	for f := range reflect.TypeFor[measure.Snapshot]().Fields() {
		names = append(names, strings.Split(f.Tag.Get("json"), ",")[0])
	}
	if !slices.Equal(names, snapshotMembers) {
		t.Errorf("measure.Snapshot's members %v; decodeSnapshot reads %v", names, snapshotMembers)
	}
}

// decodeSnapshot decodes what json.Unmarshal does, error or not, whatever
// the input: the rows this package writes through its scanner, anything
// else through json.Unmarshal.
func FuzzDecodeSnapshot(f *testing.F) {
	costs := 1234.5
	for _, s := range []measure.Snapshot{
		{EmployerBN: "812345676", WCBAccount: "1234567", Year: 2024, AsOf: registry.MustDate("2025-03-31"), IndustryCode: "42100",
			PersonYears: 55.3, LostTimeClaims: 2, DisablingInjuryClaims: 3, Fatalities: 1, ClaimCosts: &costs},
		{EmployerBN: "723456786", Year: 2023, PersonYears: 1e-7},
	} {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	for _, s := range []string{`{"year":2024.0}`, `{"as_of":null}`, `{"claim_costs":null}`, `{"Year":2024}`, `{"year":1,"year":2}`,
		`{"employer_bn":"\u00e9"}`, `{"person_years":"1"}`, `{"fatalities":1e3}`, `{"as_of":"2024-02-30"}`, `null`, `{} x`, `{"extra":[1,{"a":2}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want measure.Snapshot
		gerr := decodeSnapshot(b, &got)
		werr := json.Unmarshal(b, &want)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: decodeSnapshot error %v, json.Unmarshal error %v", b, gerr, werr)
		}
		if gerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeSnapshot %+v, json.Unmarshal %+v", b, got, want)
		}
	})
}
