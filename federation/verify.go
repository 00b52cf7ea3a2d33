package federation

import (
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/verified"
)

// Limits on what a peer's entry may hold (see package verified).
const (
	MaxRecordSize = verified.MaxRecordSize
	MaxIDLength   = verified.MaxIDLength
)

// Verified is a peer entry that passed every check of [VerifyEntry]: a
// verified.Entry, which only the verifier constructs and which is the only
// value the node's replica writer appends.
type Verified = verified.Entry

// VerifyEntry checks one compact JWS that peer iss published against the
// keys pinned for iss, and returns the entry it signs: see verified.Check
// for the checks and the errors.
func VerifyEntry(keys *jose.KeySet, iss registry.Jurisdiction, jws string) (Verified, error) {
	return verified.Check(keys, iss, jws)
}
