package snapstore

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry/strictjson"
)

// snapshotMembers are the members json.Marshal writes for a
// measure.Snapshot (TestDecodeSnapshotMembers checks them).
var snapshotMembers = []string{"employer_bn", "wcb_account", "year", "as_of", "industry_code", "person_years",
	"lost_time_claims", "disabling_injury_claims", "fatalities", "claim_costs"}

var errFallback = errors.New("not in the shape json.Marshal writes")

// decodeSnapshot decodes a stored row into r exactly as json.Unmarshal
// into a zero Snapshot would (FuzzDecodeSnapshot): in one pass without
// reflection for the rows this package writes, about three times as
// fast, and through json.Unmarshal for anything else. An answer reads
// every row of its year.
func decodeSnapshot(b []byte, r *measure.Snapshot) error {
	*r = measure.Snapshot{}
	if scanSnapshot(b, r) == nil {
		return nil
	}
	*r = measure.Snapshot{}
	return json.Unmarshal(b, r)
}

func scanSnapshot(b []byte, r *measure.Snapshot) error {
	sc, err := strictjson.NewScanner(b)
	if err != nil {
		return err
	}
	defer sc.Release()
	float := func() (float64, error) {
		raw, err := sc.Raw()
		if err != nil {
			return 0, err
		}
		if len(raw) == 0 || raw[0] == 'n' || raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' {
			return 0, errFallback // not a number: encoding/json's error, or its null
		}
		return strconv.ParseFloat(string(raw), 64)
	}
	err = sc.Object(snapshotMembers, func(name []byte) error {
		var err error
		switch string(name) {
		case "employer_bn":
			r.EmployerBN, err = sc.String()
		case "wcb_account":
			r.WCBAccount, err = sc.String()
		case "industry_code":
			r.IndustryCode, err = sc.String()
		case "year":
			var y int64
			y, err = sc.Int64()
			r.Year = int(y)
		case "as_of":
			if sc.Null() {
				return errFallback
			}
			var s string
			if s, err = sc.String(); err == nil {
				err = r.AsOf.UnmarshalText([]byte(s))
			}
		case "person_years":
			r.PersonYears, err = float()
		case "lost_time_claims":
			r.LostTimeClaims, err = sc.Int64()
		case "disabling_injury_claims":
			r.DisablingInjuryClaims, err = sc.Int64()
		case "fatalities":
			r.Fatalities, err = sc.Int64()
		case "claim_costs":
			var c float64
			if c, err = float(); err == nil {
				r.ClaimCosts = &c
			}
		default:
			return errFallback
		}
		return err
	})
	if err != nil {
		return err
	}
	return sc.End()
}
