package logproof_test

// An independent RFC 9162 reference, written from the RFC's text with
// crypto/sha256 only (no tlog), to check that tlog's proofs, and so ours,
// are the RFC's: same hashes, same order, and accepted by the RFC's own
// verification algorithms.

import (
	"github.com/corfed/corfed/registry/logproof/rfc9162"
)

type rfcHash = rfc9162.Hash

var (
	rfcLeaf              = rfc9162.Leaf
	rfcMTH               = rfc9162.MTH
	rfcPath              = rfc9162.Path
	rfcProof             = rfc9162.Proof
	rfcVerifyInclusion   = rfc9162.VerifyInclusion
	rfcVerifyConsistency = rfc9162.VerifyConsistency
)
