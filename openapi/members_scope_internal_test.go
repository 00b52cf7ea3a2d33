package openapi

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestRuleBodiesUseOnlyWhatDecodeMembersReads: decodeMembers reads what
// the rule bodies use, not all of encoding/json: no ",string" tag option,
// no map keyed by a type that unmarshals itself from text, no struct
// embedded twice at one depth (encoding/json drops such a field; review
// s22-g). A body type that starts using one fails here first.
func TestRuleBodiesUseOnlyWhatDecodeMembersReads(t *testing.T) {
	for typ := range ruleSet() {
		for _, p := range unreadBy(typ) {
			t.Error(p)
		}
	}
	// The check itself: a body with all three.
	type inner struct{ A int }
	type w1 struct{ inner }
	type w2 struct{ inner }
	type bad struct {
		w1
		w2
		N int             `json:"n,string"`
		M map[textKey]int `json:"m"`
	}
	if got := unreadBy(reflect.TypeFor[bad]()); len(got) != 3 {
		t.Errorf("a body with all three: %q, want three problems", got)
	}
}

type textKey struct{ s string }

func (k *textKey) UnmarshalText(b []byte) error { k.s = string(b); return nil }

// unreadBy lists what of typ decodeMembers does not read as encoding/json
// does.
func unreadBy(typ reflect.Type) []string {
	var out []string
	textKey := reflect.TypeFor[encoding.TextUnmarshaler]()
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array {
			typ = typ.Elem()
		}
		if seen[typ] || isLeaf(typ) {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Map:
			if k := typ.Key(); k.Kind() != reflect.String || reflect.PointerTo(k).Implements(textKey) {
				out = append(out, fmt.Sprintf("%s: a map keyed by %s", path, k))
			}
			walk(path+"[]", typ.Elem())
		case reflect.Struct:
			// The structs embedded at each depth, through embedded structs.
			for level := []reflect.Type{typ}; len(level) > 0; {
				var next []reflect.Type
				count := map[reflect.Type]int{}
				for _, st := range level {
					for i := range st.NumField() {
						f := st.Field(i)
						if f.Anonymous && f.Type.Kind() == reflect.Struct {
							count[f.Type]++
							next = append(next, f.Type)
						}
					}
				}
				for et, n := range count {
					if n > 1 {
						out = append(out, fmt.Sprintf("%s: %s embedded %d times at one depth", path, et, n))
					}
				}
				level = next
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				if _, opts, _ := strings.Cut(f.Tag.Get("json"), ","); strings.Contains(","+opts+",", ",string,") {
					out = append(out, fmt.Sprintf("%s.%s: the json tag option string", path, f.Name))
				}
				walk(path+"."+f.Name, f.Type)
			}
		}
	}
	walk(typ.String(), typ)
	return out
}
