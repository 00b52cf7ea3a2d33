package openapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/corfed/corfed/registry/strictjson"
)

// Decoding a body that failed its schema, member by member, for its
// record rules (rules.go).
//
// json.Unmarshal is no good here: an error returned by a member's own
// decoding (registry.Date refusing 3001-01-01) stops it, so every member
// after that one stays zero, and the rules would then call correctly sent
// members missing and miss real errors further on. decodeMembers decodes
// each member into its field on its own, at every level (the members of
// an object, the elements of an array): a member that does not decode,
// or that the schema already refused (skip), stays zero and nothing else
// does. An element that does not decode stays in its place, zero, so the
// elements after it keep their indexes.
//
// Member names are matched as the schema matches them: exactly as the
// field's json tag spells them (huma.ValidateStrictCasing; a name in
// another case is an unknown member, which the schema refused), with
// encoding/json's rules for untagged and embedded fields. Not read as
// encoding/json reads them, because no rule body uses them (and
// TestRuleBodiesUseOnlyWhatDecodeMembersReads fails when one does): the
// ",string" tag option, maps keyed by a type that unmarshals from text,
// and a struct embedded twice at one depth.

// decodeMembers decodes the JSON value raw into v (settable, zero), at
// location at ("body"), leaving zero every value that does not decode and
// every one at a location of skip. It returns the names of the top-level
// members of raw, as sent (nil if raw is not an object).
func decodeMembers(raw []byte, v reflect.Value, at string, skip []string) map[string]bool {
	sent := map[string]bool{}
	decodeValue(raw, v, at, skip, sent)
	return sent
}

// decodeValue decodes raw into v; names, if not nil, gets the member
// names of raw when it is an object.
func decodeValue(raw []byte, v reflect.Value, at string, skip []string, names map[string]bool) {
	t := v.Type()
	if isLeaf(t) {
		decodeLeaf(raw, v)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if string(raw) == "null" {
			return
		}
		p := reflect.New(t.Elem())
		decodeValue(raw, p.Elem(), at, skip, names)
		v.Set(p)
	case reflect.Struct:
		fields := jsonFields(t)
		eachMember(raw, func(name []byte, raw []byte) {
			if names != nil {
				names[string(name)] = true
			}
			index, ok := fields[string(name)]
			if !ok {
				return
			}
			var sub located
			if len(skip) > 0 {
				if sub, ok = below(skip, at, ".", string(name)); !ok {
					return
				}
			}
			if f := fieldOf(v, index); f.IsValid() && f.CanSet() {
				decodeValue(raw, f, sub.at, sub.skip, nil)
			}
		})
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			decodeLeaf(raw, v)
			return
		}
		m := reflect.MakeMap(t)
		ok := eachMember(raw, func(name []byte, raw []byte) {
			var sub located
			if len(skip) > 0 {
				var ok bool
				if sub, ok = below(skip, at, ".", string(name)); !ok {
					return
				}
			}
			e := reflect.New(t.Elem()).Elem()
			decodeValue(raw, e, sub.at, sub.skip, nil)
			m.SetMapIndex(reflect.ValueOf(string(name)).Convert(t.Key()), e)
		})
		if ok {
			v.Set(m)
		}
	case reflect.Slice:
		if !startsWith(raw, '[') {
			decodeLeaf(raw, v) // null, or a value of another type: stays zero
			return
		}
		var elems [][]byte
		sc, err := strictjson.NewScanner(raw)
		if err != nil {
			return
		}
		err = sc.Array(func() error {
			e, err := sc.Raw()
			elems = append(elems, e)
			return err
		})
		sc.Release()
		if err != nil {
			return
		}
		s := reflect.MakeSlice(t, len(elems), len(elems))
		for i, e := range elems {
			var sub located
			if len(skip) > 0 {
				var ok bool
				if sub, ok = below(skip, at, "[", strconv.Itoa(i)+"]"); !ok {
					continue
				}
			}
			decodeValue(e, s.Index(i), sub.at, sub.skip, nil)
		}
		v.Set(s)
	default:
		decodeLeaf(raw, v)
	}
}

// eachMember calls fn with each member of the object raw, in order; it
// reports false if raw is not an object (null, another type). It stops at
// what strictjson refuses (a name twice, which the edge refuses anyway),
// having decoded the members before it.
func eachMember(raw []byte, fn func(name, raw []byte)) bool {
	if !startsWith(raw, '{') {
		return false
	}
	sc, err := strictjson.NewScanner(raw)
	if err != nil {
		return false
	}
	defer sc.Release()
	_ = sc.Object(nil, func(name []byte) error {
		val, err := sc.Raw()
		if err == nil {
			fn(name, val)
		}
		return err
	})
	return true
}

func startsWith(raw []byte, c byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == c
}

// decodeLeaf decodes raw into v (zero) with encoding/json, as a whole: v
// is left zero if that fails.
func decodeLeaf(raw []byte, v reflect.Value) {
	p := v.Addr().Interface()
	// The common cases without encoding/json: a string with no escape,
	// and a date (registry.Date) written so.
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		text := raw[1 : len(raw)-1]
		_, custom := p.(json.Unmarshaler)
		switch u, isText := p.(encoding.TextUnmarshaler); {
		case custom:
		case isText:
			if u.UnmarshalText(text) != nil {
				v.SetZero()
			}
			return
		case v.Kind() == reflect.String:
			v.SetString(string(text))
			return
		}
	}
	if json.Unmarshal(raw, p) != nil {
		v.SetZero() // what a failed decoding left there
	}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// isLeafType reports whether t (or *t) decodes itself.
func isLeafType(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
}

// isLeaf reports whether a value of type t is decoded as a whole: it
// decodes itself, or holds no members or elements of its own.
func isLeaf(t reflect.Type) bool {
	if isLeafType(t) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return false
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8 // []byte: base64
	}
	return true
}

// located is a location and the locations of skip at or under it.
type located struct {
	at   string
	skip []string
}

// below returns the location of a member (sep ".", name) or element (sep
// "[", name "3]") of the value at at, with the locations of skip under it;
// false if skip holds the location itself. The location is built only
// when some location of skip is under it (it is needed only to look
// further).
func below(skip []string, at, sep, name string) (located, bool) {
	var out located
	for _, s := range skip {
		rest, ok := strings.CutPrefix(s, at)
		if !ok {
			continue
		}
		if rest, ok = strings.CutPrefix(rest, sep); !ok {
			continue
		}
		if rest, ok = strings.CutPrefix(rest, name); !ok {
			continue
		}
		switch {
		case rest == "":
			return located{}, false
		case rest[0] == '.' || rest[0] == '[':
			if out.at == "" {
				out.at = at + sep + name
			}
			out.skip = append(out.skip, s)
		}
	}
	return out, true
}

// fieldOf returns the field of struct v at index (encoding/json's path
// through embedded structs), allocating embedded pointers on the way;
// the zero Value if one cannot be allocated (an unexported embedded
// pointer, which encoding/json refuses too).
func fieldOf(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

var fieldCache sync.Map // reflect.Type -> map[string][]int

// jsonFields returns the members of struct type t by their JSON name and
// the index of their field, as encoding/json resolves them: exported
// fields, named by their tag or else their Go name, json:"-" left out,
// the fields of an untagged embedded struct promoted, a shallower field
// hiding a deeper one of the same name, and of two at one depth the
// tagged one winning (neither, if both or neither are tagged).
func jsonFields(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	type cand struct {
		index  []int
		tagged bool
	}
	type level struct {
		t     reflect.Type
		index []int
	}
	out := map[string][]int{}
	visited := map[reflect.Type]bool{}
	for current := []level{{t, nil}}; len(current) > 0; {
		var next []level
		found := map[string][]cand{}
		for _, l := range current {
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				index := append(slices.Clip(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, index})
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				found[name] = append(found[name], cand{index, tagged})
			}
		}
		for name, cs := range found {
			if _, hidden := out[name]; hidden {
				continue
			}
			if len(cs) == 1 {
				out[name] = cs[0].index
				continue
			}
			var tagged []cand
			for _, c := range cs {
				if c.tagged {
					tagged = append(tagged, c)
				}
			}
			if len(tagged) == 1 {
				out[name] = tagged[0].index
			} else {
				out[name] = nil // a conflict: neither field, and it hides deeper ones
			}
		}
		current = next
	}
	for name, index := range out {
		if index == nil {
			delete(out, name)
		}
	}
	m, _ := fieldCache.LoadOrStore(t, out)
	return m.(map[string][]int)
}
