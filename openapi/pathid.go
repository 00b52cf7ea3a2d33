package openapi

import (
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
)

// A PUT names its record twice, in the path and in the body; a body whose
// id differs from the path's is refused with the body's other problems,
// every one at once: in the handler (the schema passed) with the record
// rules' errors, the node not called (nothing is stored); on huma's schema
// 422 by withRuleErrors, which adds it to the schema's and the rules'.

// pathIDs maps each such operation to its body member and path parameter.
var pathIDs = map[string]struct{ member, param string }{
	"put-employer": {"bn", "bn"},
	"put-cp":       {"id", "id"},
	"put-program":  {"id", "id"},
	"put-auditor":  {"id", "id"},
}

// pathMismatch is the problem of a body id that differs from the path's,
// or nil.
func pathMismatch(member, inBody, inPath string) error {
	switch {
	case inBody == inPath:
		return nil
	case member == "bn":
		return registry.Invalid("body.bn", "must equal the BN in the path (%s)", inPath)
	default:
		return registry.Invalid("body."+member, "must equal the id in the path (%s)", inPath)
	}
}

// withRules joins a path mismatch with the record rules' errors of the
// same body (rules: what the edge's rule set checks, ruleSet), leaving
// it out when the rules already name the member (a BN with a bad check
// digit is not also "not the path's").
func withRules(mismatch, rules error) error {
	rules = inBody(rules, "")
	for _, f := range registry.Fields(rules) {
		if f == registry.Fields(mismatch)[0] {
			return rules
		}
	}
	return registry.JoinInvalid(mismatch, rules)
}

// pathMismatchOfBody is pathMismatch for the body as sent, on huma's
// schema 422 (withRuleErrors); nil when the operation takes no id in its
// body, or the member is absent, not a string, or refused by the schema
// (skip).
func pathMismatchOfBody(ctx huma.Context, body []byte, skip []string) error {
	op := ctx.Operation()
	if op == nil {
		return nil
	}
	pi, ok := pathIDs[op.OperationID]
	if !ok {
		return nil
	}
	for _, l := range skip {
		if related(l, "body."+pi.member) {
			return nil
		}
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	var v string
	if raw, ok := members[pi.member]; !ok || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return pathMismatch(pi.member, v, ctx.Param(pi.param))
}
