package ddbguard

import (
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
)

// The item encoder (encode.go) decides once per Go type what
// attributevalue decides for every value: which fields a struct has and
// under which names and tags, whether a type has a Marshaler, whether it
// is a time or a number. The rules below are attributevalue's own
// (v1.21: field.go, tag.go, encode.go), restated so that both produce the
// same item.

var (
	marshalerType      = reflect.TypeFor[attributevalue.Marshaler]()
	timeType           = reflect.TypeFor[time.Time]()
	byteSliceSliceType = reflect.TypeFor[[][]byte]()
	// numberType is attributevalue's "numberer": a string kind with these
	// methods (json.Number) is a number.
	numberType = reflect.TypeFor[interface {
		Float64() (float64, error)
		Int64() (int64, error)
		String() string
	}]()
)

// avTag is a field's dynamodbav tag, as attributevalue parses it.
type avTag struct {
	name                         string
	ignore                       bool
	omitEmpty, omitEmptyElem     bool
	nullEmpty, nullEmptyElem     bool
	asString                     bool
	asBinSet, asNumSet, asStrSet bool
	asUnixTime                   bool
}

func parseAVTag(st reflect.StructTag) avTag {
	var t avTag
	s := st.Get("dynamodbav")
	if s == "" {
		return t
	}
	parts := strings.Split(s, ",")
	if parts[0] == "-" {
		t.ignore = true
	} else {
		t.name = parts[0]
	}
	for _, opt := range parts[1:] {
		switch opt {
		case "omitempty":
			t.omitEmpty = true
		case "omitemptyelem":
			t.omitEmptyElem = true
		case "nullempty":
			t.nullEmpty = true
		case "nullemptyelem":
			t.nullEmptyElem = true
		case "string":
			t.asString = true
		case "binaryset":
			t.asBinSet = true
		case "numberset":
			t.asNumSet = true
		case "stringset":
			t.asStrSet = true
		case "unixtime":
			t.asUnixTime = true
		}
	}
	return t
}

// elemTag is the tag attributevalue gives the elements of a list, set or
// map whose own tag is t.
func (t *avTag) elemTag() avTag {
	return avTag{omitEmpty: t.omitEmptyElem, omitEmptyElem: t.omitEmptyElem, nullEmpty: t.nullEmptyElem}
}

// typeInfo is what the encoder knows of a Go type.
type typeInfo struct {
	kind       reflect.Kind
	named      bool // the type has a name (only then may a value's address be taken for a Marshaler)
	methods    bool // the type has methods
	ptrMethods bool // the pointer to the type has methods
	marshalVal bool // the type is an attributevalue.Marshaler
	marshalPtr bool // the pointer to the type is an attributevalue.Marshaler
	// addrMatters says whether a value's addressability can change its
	// encoding: the type or a field or array element held in it by
	// value has a Marshaler on its pointer only.
	addrMatters bool
	isTime      bool // a struct convertible to time.Time
	isNumber    bool // a string kind with the numberer methods (json.Number)
	bytes       bool // a slice or array of a uint8 kind: binary
	byteSlices  bool // exactly [][]byte: a binary set whatever the tag
	plainKey    bool // a map whose key type is a string kind without methods
	namedBytes  bool // a slice or array of a named uint8 type, which attributevalue cannot copy
	elem        *typeInfo
	fields      []fieldInfo // a struct's fields, in attributevalue's order
	// nStr and nNum count a struct's fields that are plain strings and
	// numbers: the members an item of it needs at most, directly.
	nStr, nNum int
	badName    bool // a field's name is not one checkName accepts
}

// fieldInfo is one field of a struct as attributevalue sees it.
type fieldInfo struct {
	name     string
	index    []int
	tag      avTag
	info     *typeInfo
	readable bool // reached without an unexported non-struct field
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

// infoOf returns the encoder's knowledge of t, computing it once.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	building := map[reflect.Type]*typeInfo{}
	ti := buildInfo(t, building)
	// Store the whole graph only once it is complete: another goroutine
	// must never see a half-built entry.
	for bt, bi := range building {
		typeInfos.LoadOrStore(bt, bi)
	}
	return ti
}

func buildInfo(t reflect.Type, building map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti, ok := building[t]; ok {
		return ti
	}
	pt := reflect.PointerTo(t)
	ti := &typeInfo{
		kind:       t.Kind(),
		named:      t.Name() != "",
		methods:    t.NumMethod() > 0,
		ptrMethods: pt.NumMethod() > 0,
		marshalVal: t.Implements(marshalerType),
		marshalPtr: pt.Implements(marshalerType),
	}
	building[t] = ti
	ti.addrMatters = ti.kind != reflect.Pointer && ti.named && ti.marshalPtr && !ti.marshalVal
	switch ti.kind {
	case reflect.Struct:
		ti.isTime = t.ConvertibleTo(timeType)
		if !ti.isTime {
			ti.fields = structFields(t, building)
			for _, f := range ti.fields {
				ti.addrMatters = ti.addrMatters || f.info.addrMatters
				ti.badName = ti.badName || checkName(f.name) != nil
				switch f.info.kind {
				case reflect.String:
					ti.nStr++
				case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
					reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
					reflect.Float32, reflect.Float64:
					ti.nNum++
				}
			}
		}
	case reflect.String:
		ti.isNumber = t.Implements(numberType)
	case reflect.Slice, reflect.Array:
		ti.bytes = t.Elem() == reflect.TypeFor[uint8]()
		ti.namedBytes = !ti.bytes && t.Elem().Kind() == reflect.Uint8
		ti.byteSlices = t == byteSliceSliceType
		ti.elem = buildInfo(t.Elem(), building)
		if ti.kind == reflect.Array {
			ti.addrMatters = ti.addrMatters || ti.elem.addrMatters
		}
	case reflect.Map:
		ti.plainKey = t.Key().Kind() == reflect.String && t.Key().NumMethod() == 0
		ti.elem = buildInfo(t.Elem(), building)
	case reflect.Pointer:
		ti.elem = buildInfo(t.Elem(), building)
	}
	return ti
}

// avField is a field found while walking a struct, as in attributevalue's
// enumFields.
type avField struct {
	tag         avTag
	name        string
	nameFromTag bool
	index       []int
	typ         reflect.Type
	readable    bool
}

// structFields lists t's fields as attributevalue's unionStructFields
// does: exported fields and those promoted from embedded structs, the
// dominant one of each name (shallowest, then tagged), in index order.
func structFields(t reflect.Type, building map[reflect.Type]*typeInfo) []fieldInfo {
	fs := enumFields(t)
	sort.Sort(fieldsByName(fs))
	fs = visibleFields(fs)
	out := make([]fieldInfo, len(fs))
	for i, f := range fs {
		out[i] = fieldInfo{name: f.name, index: f.index, tag: f.tag, readable: f.readable,
			info: buildInfo(fieldType(t, f.index), building)}
	}
	return out
}

// fieldType is the declared type of the field at index, which avField.typ
// is not (attributevalue strips one unnamed pointer there).
func fieldType(t reflect.Type, index []int) reflect.Type {
	for i, x := range index {
		if i > 0 && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		t = t.Field(x).Type
	}
	return t
}

func enumFields(t reflect.Type) []avField {
	current := []avField{}
	next := []avField{{typ: t, readable: true}}
	var count map[reflect.Type]int
	nextCount := map[reflect.Type]int{}
	visited := map[reflect.Type]struct{}{}
	fields := []avField{}
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, f := range current {
			if _, ok := visited[f.typ]; ok {
				continue
			}
			visited[f.typ] = struct{}{}
			for i := 0; i < f.typ.NumField(); i++ {
				sf := f.typ.Field(i)
				if sf.PkgPath != "" && !sf.Anonymous {
					continue
				}
				tag := parseAVTag(sf.Tag)
				if tag.ignore {
					continue
				}
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				sfield := avField{tag: tag, name: sf.Name, typ: ft, readable: f.readable}
				if tag.name != "" {
					sfield.nameFromTag, sfield.name = true, tag.name
				}
				sfield.index = append(append(make([]int, 0, len(f.index)+1), f.index...), i)
				if !sf.Anonymous || tag.name != "" || ft.Kind() != reflect.Struct {
					// An unexported embedded non-struct cannot be read.
					sfield.readable = sfield.readable && sf.PkgPath == ""
					fields = append(fields, sfield)
					if count[f.typ] > 1 {
						fields = append(fields, sfield)
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, sfield)
				}
			}
		}
	}
	return fields
}

func visibleFields(fields []avField) []avField {
	out := fields[:0]
	for advance, i := 0, 0; i < len(fields); i += advance {
		fi := fields[i]
		for advance = 1; i+advance < len(fields); advance++ {
			if fields[i+advance].name != fi.name {
				break
			}
		}
		if advance == 1 {
			out = append(out, fi)
			continue
		}
		if dominant, ok := dominantField(fields[i : i+advance]); ok {
			out = append(out, dominant)
		}
	}
	sort.Sort(fieldsByIndex(out))
	return out
}

func dominantField(fields []avField) (avField, bool) {
	length := len(fields[0].index)
	tagged := -1
	for i, f := range fields {
		if len(f.index) > length {
			fields = fields[:i]
			break
		}
		if f.nameFromTag {
			if tagged >= 0 {
				return avField{}, false
			}
			tagged = i
		}
	}
	if tagged >= 0 {
		return fields[tagged], true
	}
	if len(fields) > 1 {
		return avField{}, false
	}
	return fields[0], true
}

type fieldsByName []avField

func (x fieldsByName) Len() int      { return len(x) }
func (x fieldsByName) Swap(i, j int) { x[i], x[j] = x[j], x[i] }
func (x fieldsByName) Less(i, j int) bool {
	if x[i].name != x[j].name {
		return x[i].name < x[j].name
	}
	if len(x[i].index) != len(x[j].index) {
		return len(x[i].index) < len(x[j].index)
	}
	if x[i].nameFromTag != x[j].nameFromTag {
		return x[i].nameFromTag
	}
	return fieldsByIndex(x).Less(i, j)
}

type fieldsByIndex []avField

func (x fieldsByIndex) Len() int      { return len(x) }
func (x fieldsByIndex) Swap(i, j int) { x[i], x[j] = x[j], x[i] }
func (x fieldsByIndex) Less(i, j int) bool {
	for k, xik := range x[i].index {
		if k >= len(x[j].index) {
			return false
		}
		if xik != x[j].index[k] {
			return xik < x[j].index[k]
		}
	}
	return len(x[i].index) < len(x[j].index)
}
