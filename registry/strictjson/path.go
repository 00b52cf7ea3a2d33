package strictjson

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// PathError is an error of DecodePath: Err, about the value at Path, the
// JSON path of a member or element ("rules[0].effective_from"; "" for the
// document itself).
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *PathError) Unwrap() error { return e.Err }

// DecodePath is Decode, whose error says where the document is wrong: a
// *PathError naming the member or element at fault (an unknown member, a
// name twice, a value of the wrong type or that its type's UnmarshalJSON
// or UnmarshalText refuses, such as an impossible date), for files a
// person writes and corrects (rule files). A document Decode accepts
// costs one Decode; only a refused one is walked again, alongside v's
// type, with a Scanner to find the path.
func DecodePath(data []byte, v any) error {
	err := Decode(data, v)
	if err == nil {
		return nil
	}
	sc, serr := NewScanner(data)
	if serr != nil {
		return &PathError{Err: serr}
	}
	defer sc.Release()
	if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer {
		if werr := walkType(sc, t.Elem(), ""); werr != nil {
			return werr
		}
		if eerr := sc.End(); eerr != nil {
			return &PathError{Err: eerr}
		}
	}
	return &PathError{Err: err} // found by Decode alone: no path known
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// walkType reads the next value of sc as encoding/json would decode it
// into a value of type t, and returns the first thing Decode would refuse
// there as a *PathError (path is the value's own).
func walkType(sc *Scanner, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return walkLeaf(sc, t, path)
	}
	var err error
	switch t.Kind() {
	case reflect.Struct:
		fields := jsonFields(t, nil)
		err = sc.Object(nil, func(name []byte) error {
			p := joinPath(path, string(name))
			ft, ok := fieldType(fields, string(name))
			if !ok {
				return &PathError{Path: p, Err: fmt.Errorf("unknown member %q", Clip(string(name)))}
			}
			return walkType(sc, ft, p)
		})
	case reflect.Map:
		err = sc.Object(nil, func(name []byte) error {
			return walkType(sc, t.Elem(), joinPath(path, string(name)))
		})
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return walkLeaf(sc, t, path) // base64, as encoding/json reads []byte
		}
		i := 0
		err = sc.Array(func() error {
			p := path + "[" + strconv.Itoa(i) + "]"
			i++
			return walkType(sc, t.Elem(), p)
		})
	default:
		return walkLeaf(sc, t, path)
	}
	return atPath(err, path)
}

// atPath puts an error of the object or array at path under that path (a
// name twice under the member's), leaving one that has its path alone.
func atPath(err error, path string) error {
	var pe *PathError
	var dup *dupNameError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return err
	case errors.As(err, &dup):
		return &PathError{Path: joinPath(path, dup.name), Err: err}
	}
	return &PathError{Path: path, Err: err}
}

// walkLeaf reads a value decoded as a whole (a string, number, boolean,
// or a type with its own UnmarshalJSON or UnmarshalText) and decodes it
// into a new value of type t, as Decode would.
func walkLeaf(sc *Scanner, t reflect.Type, path string) error {
	raw, err := sc.Raw()
	if err != nil {
		return &PathError{Path: path, Err: err}
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			err = fmt.Errorf("a JSON %s where %s belongs", te.Value, te.Type)
		}
		return &PathError{Path: path, Err: err}
	}
	return nil
}

// jsonField is a struct field as encoding/json names it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists t's fields by their JSON names, those of embedded
// structs with them, as encoding/json matches members to them.
func jsonFields(t reflect.Type, out []jsonField) []jsonField {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = jsonFields(ft, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// fieldType finds the field a member name decodes into: spelled exactly,
// else ignoring case, as encoding/json matches them.
func fieldType(fields []jsonField, name string) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == name {
			return f.typ, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return f.typ, true
		}
	}
	return nil, false
}

// joinPath is the path of member name of the object at path: .name, or
// ["name"] quoted when it is not a plain name (empty, or holding other
// than letters, digits, '_' and '-').
func joinPath(path, name string) string {
	name = Clip(name)
	plain := name != ""
	for _, c := range name {
		if !(c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(name) + "]"
	case path == "":
		return name
	}
	return path + "." + name
}
