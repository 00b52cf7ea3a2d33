package openapi

import (
	"context"
	"reflect"
	"slices"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// A PUT states the whole record, and a member it leaves out is not
// "unchanged": the decoded body cannot tell a member left out from one
// sent empty (omitempty), and storing it as decoded erased what the
// stored version held (a CP's sectors, a certificate's WCB accounts, an
// equivalency's industry codes). So every PUT of a record tells the node
// which members of its body type the request left out (node.Omitted),
// read from the body's own members as textHygiene kept it: the node
// refuses the write, at body.<member>, for each of them the version it
// would replace holds non-empty. A member of an object the body sent
// (a program's "term") is checked the same way, one level down and
// further. A list is a value: a list sent replaces the stored one, each
// element as sent (an employer's WCB accounts, an auditor's credentials:
// elements are not matched to stored ones).

// withOmitted returns ctx carrying, for the write to (kind, id), the
// members of T (a PUT's body type) that the request's body left out. A
// request without its body in ctx (not read by textHygiene) omits every
// member: the node then refuses any stored member rather than erase it.
func withOmitted[T any](ctx context.Context, kind registry.Kind, id string) context.Context {
	body, _ := ctx.Value(bodyKey{}).([]byte)
	var paths []string
	omittedMembers(body, reflect.TypeFor[T](), "", &paths)
	return node.WithOmitted(ctx, node.Omitted{Kind: kind, ID: id, Paths: paths})
}

// omittedMembers appends to out the members of struct type t that the
// JSON object raw does not have, each as its path under at, in name
// order; and those of every member raw has as an object whose type is a
// struct, recursively.
func omittedMembers(raw []byte, t reflect.Type, at string, out *[]string) {
	sent := map[string][]byte{}
	eachMember(raw, func(name, v []byte) { sent[string(name)] = v })
	fields := jsonFields(t)
	names := make([]string, 0, len(fields))
	for name, index := range fields {
		if index != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		v, ok := sent[name]
		if !ok {
			*out = append(*out, at+name)
			continue
		}
		ft := t.FieldByIndex(fields[name]).Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && !isLeaf(ft) && startsWith(v, '{') {
			omittedMembers(v, ft, at+name+".", out)
		}
	}
}
