package openapi

import (
	"context"
	"reflect"
	"slices"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
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
// further. A list whose elements are objects is read element by element:
// for each element the body sent, the members it left out
// (node.OmittedInElement), which the node compares with the same element
// of the stored version where elements have an identity (an employer's
// WCB accounts and presences, an auditor's credentials); a member sent
// null is sent (it clears the member: the only way to clear a date).

// withOmitted returns ctx carrying, for the write to (kind, id), the
// members of T (a PUT's body type) that the request's body left out. A
// request without its body in ctx (not read by textHygiene) omits every
// member: the node then refuses any stored member rather than erase it.
func withOmitted[T any](ctx context.Context, kind registry.Kind, id string) context.Context {
	body, _ := ctx.Value(bodyKey{}).([]byte)
	o := node.Omitted{Kind: kind, ID: id}
	omittedMembers(body, reflect.TypeFor[T](), "", &o.Paths, &o.Elements)
	return node.WithOmitted(ctx, o)
}

// omittedMembers appends to out the members of struct type t that the
// JSON object raw does not have, each as its path under at, in name
// order; and those of every member raw has as an object whose type is a
// struct, recursively. When els is not nil, it appends to it, for each
// object element of every member raw has as a list whose element type is
// a struct, the members that element left out (and those of its objects;
// lists in elements are not read).
func omittedMembers(raw []byte, t reflect.Type, at string, out *[]string, els *[]node.OmittedInElement) {
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
		switch {
		case ft.Kind() == reflect.Struct && !isLeaf(ft) && startsWith(v, '{'):
			omittedMembers(v, ft, at+name+".", out, els)
		case els != nil && ft.Kind() == reflect.Slice && startsWith(v, '['):
			et := ft.Elem()
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() != reflect.Struct || isLeaf(et) {
				continue
			}
			for i, e := range elementsOf(v) {
				var left []string
				if startsWith(e, '{') {
					omittedMembers(e, et, "", &left, nil)
				}
				if len(left) > 0 {
					*els = append(*els, node.OmittedInElement{List: at + name, Index: i, Element: e, Paths: left})
				}
			}
		}
	}
}

// elementsOf returns the elements of the JSON array raw (nil if it is not
// one, or strictjson refuses it: the schema has refused it then).
func elementsOf(raw []byte) [][]byte {
	sc, err := strictjson.NewScanner(raw)
	if err != nil {
		return nil
	}
	defer sc.Release()
	var out [][]byte
	if err := sc.Array(func() error {
		e, err := sc.Raw()
		out = append(out, e)
		return err
	}); err != nil {
		return nil
	}
	return out
}
