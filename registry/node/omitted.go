package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corfed/corfed/registry"
)

// Omitted is what a whole-record write (an HTTP PUT) left out of the
// record it states: the members of its body that the request did not
// send, as JSON paths of the stored record ("sectors"; a member of an
// object the body sent, "term.max_months"). Such a write is refused
// (ErrInvalid, one problem at body.<path> for each) when the version it
// would replace holds a non-empty value at one of them: a PUT replaces the
// whole record, and a member a client forgot would otherwise be erased
// without a word (a CP's sectors, whose absence lifts its sector
// restriction; a certificate's WCB accounts, whose absence makes it cover
// every account). A member sent empty ([], "", null, false, 0) is not
// omitted: it clears the stored value, as the client said.
//
// The check runs where writes are ordered, against the newest version
// when the write is staged (the one it replaces), not one read before.
// Nothing is stored when it refuses. A write with no Omitted in its
// context (every internal caller: corfed import, which keeps on purpose
// what a row does not give; seeding; the command line) states every
// member: the record it passes is the whole new record.
//
// A list is compared element by element where its elements have an
// identity (elementKeys: an employer's WCB accounts and presences, an
// auditor's credentials): an element the body sent that is the same
// element as one of the replaced version's may not leave out a member
// that stored element has (Elements), or a closed account sent without
// its closed_on would be reopened without a word; a date cannot be sent
// empty, so such a member is cleared by sending it null. An element that
// is the same as none stored (a new account) is not concerned, nor is a
// list whose elements have no identity (a whole value).
type Omitted struct {
	Kind     registry.Kind
	ID       string
	Paths    []string
	Elements []OmittedInElement
}

// OmittedInElement is an element of a list member that a whole-record
// write sent, with the members it left out.
type OmittedInElement struct {
	List    string          // the list's path, as in Paths ("wcb_accounts")
	Index   int             // the element's index in the body's list
	Element json.RawMessage // the element as sent (its identity is read from it)
	Paths   []string        // its members it left out ("closed_on"), as in Paths
}

// elementKeys names, for each list of a record kind whose elements have
// an identity, the members that make it: two elements with the same
// values of them are the same element (a WCB account's number folded as
// registry.FoldWCB: "4512-876" is account 4512876, as search and bulk
// match read it).
var elementKeys = map[registry.Kind]map[string][]string{
	registry.KindEmployer: {
		"wcb_accounts": {"jurisdiction", "number"},
		"presence":     {"jurisdiction", "operating_since"},
	},
	registry.KindAuditor: {
		"credentials": {"cp", "kind", "certified_on"},
	},
}

// elementKey returns the identity of el, an element of list of a record
// of kind (its key members' values, and the same as text for a reader:
// "CA-AB 4512876"), or false when the list's elements have none or el
// lacks one of them.
func elementKey(kind registry.Kind, list string, el json.RawMessage) (key, label string, ok bool) {
	names := elementKeys[kind][list]
	if len(names) == 0 {
		return "", "", false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(el, &m) != nil {
		return "", "", false
	}
	var k, l []string
	for _, name := range names {
		var v string
		if json.Unmarshal(m[name], &v) != nil || v == "" {
			return "", "", false
		}
		l = append(l, v)
		if name == "number" {
			v = registry.FoldWCB(v)
		}
		k = append(k, v)
	}
	return strings.Join(k, "\x00"), strings.Join(l, " "), true
}

type omittedKey struct{}

// WithOmitted returns ctx carrying o: the write committed under ctx to
// o's record checks it (writes to other records are unaffected).
func WithOmitted(ctx context.Context, o Omitted) context.Context {
	return context.WithValue(ctx, omittedKey{}, &o)
}

func omittedFrom(ctx context.Context) *Omitted {
	o, _ := ctx.Value(omittedKey{}).(*Omitted)
	return o
}

// check returns one problem for each of o's paths at which prev, the
// version the write replaces (nil: none, a create), holds a non-empty
// value, or nil.
func (o *Omitted) check(kind registry.Kind, id string, prev *registry.Entry) error {
	if o == nil || o.Kind != kind || o.ID != id || prev == nil || len(o.Paths)+len(o.Elements) == 0 {
		return nil
	}
	var errs []error
	for _, p := range o.Paths {
		v, ok := memberAt(prev.Record, p)
		if !ok || emptyJSON(v) {
			continue
		}
		if kind == registry.KindEmployer && p == "wcb_accounts" {
			// An employer's accounts are never removed (keepClosedAccounts):
			// an empty list closes them all, it clears nothing.
			errs = append(errs, registry.Invalid("body."+p,
				"absent, but the stored record (version %d) has it: PUT replaces the whole record; send the stored accounts to keep them (an account the list leaves out is kept, closed the day before)",
				prev.Ver))
			continue
		}
		errs = append(errs, registry.Invalid("body."+p,
			"absent, but the stored record (version %d) has it: PUT replaces the whole record; send the stored value to keep it, or an empty value (%s) to clear it",
			prev.Ver, emptyOf(v)))
	}
	type element struct {
		key string
		raw json.RawMessage
	}
	stored := map[string][]element{} // a list's stored elements, read once
	for _, e := range o.Elements {
		key, label, ok := elementKey(kind, e.List, e.Element)
		if !ok {
			continue
		}
		els, read := stored[e.List]
		if !read {
			var raws []json.RawMessage
			if v, ok := memberAt(prev.Record, e.List); ok {
				_ = json.Unmarshal(v, &raws)
			}
			for _, r := range raws {
				k, _, _ := elementKey(kind, e.List, r)
				els = append(els, element{k, r})
			}
			stored[e.List] = els
		}
		i := slices.IndexFunc(els, func(s element) bool { return s.key == key })
		if i < 0 {
			continue // a new element
		}
		for _, p := range e.Paths {
			if v, ok := memberAt(els[i].raw, p); !ok || emptyJSON(v) {
				continue
			}
			errs = append(errs, registry.Invalid(fmt.Sprintf("body.%s[%d].%s", e.List, e.Index, p),
				"absent, but the stored record (version %d) has it in the same element (%s): PUT replaces the whole record, and each element as sent; send the stored value to keep it, or null to clear it",
				prev.Ver, label))
		}
	}
	return registry.JoinInvalid(errs...)
}

// omittedToo adds to err, a write's validation problems found before it
// reads the store, the members ctx's Omitted names that the record's
// newest committed version holds: so that one answer lists every problem.
// (The write, refused anyway, stores nothing; the pipeline checks them
// again, against the version a write would replace, for a write that
// gets that far.)
func (n *Node) omittedToo(ctx context.Context, kind registry.Kind, id string, err error) error {
	o := omittedFrom(ctx)
	if o == nil || o.Kind != kind || o.ID != id || !errors.Is(err, registry.ErrInvalid) {
		return err
	}
	e, rerr := n.Record(ctx, kind, id)
	if rerr != nil {
		return err
	}
	return registry.JoinInvalid(err, o.check(kind, id, &e))
}

// memberAt returns the value at path (members separated by dots) in the
// JSON object raw.
func memberAt(raw []byte, path string) (json.RawMessage, bool) {
	v := json.RawMessage(raw)
	for name := range strings.SplitSeq(path, ".") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil || m == nil {
			return nil, false
		}
		var ok bool
		if v, ok = m[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

// emptyJSON reports whether v is null, "", [], {}, false or zero.
func emptyJSON(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	switch string(v) {
	case "null", `""`, "false", "":
		return true
	}
	switch v[0] {
	case '[', '{':
		inner := bytes.TrimSpace(v[1 : len(v)-1])
		return len(inner) == 0
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		f, err := strconv.ParseFloat(string(v), 64)
		return err == nil && f == 0
	}
	return false
}

// emptyOf is the empty JSON value of v's type, as a client would send it.
func emptyOf(v json.RawMessage) string {
	switch v = bytes.TrimSpace(v); v[0] {
	case '[':
		return "[]"
	case '{':
		return "{}"
	case '"':
		return `""`
	case 't', 'f':
		return "false"
	}
	return "0"
}
