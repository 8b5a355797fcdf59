package ddbguard

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// encodeItem marshals item exactly as attributevalue.MarshalMap does with
// its default options, at a fraction of the cost: what attributevalue
// works out by reflection for every value (fields, tags, Marshalers) is
// worked out once per type (encode_cache.go), and the attribute values
// are built directly. Anything the encoder does not handle itself (map
// keys other than plain strings, attributevalue's own errors, values it
// cannot read) makes it hand the whole item to attributevalue, so the
// result is attributevalue's in every case.
//
// checked reports that every name and value of the item is one that
// checkItem accepts, so that it need not look again: the encoder knows
// that of the plain values it builds (strings, integers, finite floats,
// booleans, binaries, string sets without duplicates, and lists and maps
// of them under valid names), not of a Marshaler's or attributevalue's.
func encodeItem(item any) (m map[string]types.AttributeValue, checked bool, err error) {
	var e encoder
	m, err = e.item(item)
	if err == errDelegate {
		m, err = attributevalue.MarshalMap(item)
		return m, false, err
	}
	return m, !e.unchecked, err
}

// errDelegate says that attributevalue must encode the item: the encoder
// met something it leaves to it.
var errDelegate = errors.New("ddbguard: item left to attributevalue")

// encoder builds one item. Its string and number members come from small
// blocks, so that an item's scalars take a few allocations, not one each;
// the blocks are never reused, so the caller owns every value.
type encoder struct {
	ss []types.AttributeValueMemberS
	ns []types.AttributeValueMemberN
	// sHint and nHint size the first block of each kind: the strings and
	// numbers the item holds directly, at most.
	sHint, nHint int
	// unchecked says the item holds a name or value that checkItem must
	// look at.
	unchecked bool
}

// blockSize is the number of members allocated together once the first
// block of a kind is used up.
const blockSize = 4

// block returns the size of the next block of a kind whose hint is
// *hint: the hint the first time, blockSize after.
func block(hint *int) int {
	n := *hint
	if n <= 0 {
		n = blockSize
	}
	*hint = 0
	return n
}

func (e *encoder) str(s string) *types.AttributeValueMemberS {
	if len(e.ss) == 0 {
		e.ss = make([]types.AttributeValueMemberS, block(&e.sHint))
	}
	av := &e.ss[0]
	e.ss = e.ss[1:]
	av.Value = s
	return av
}

func (e *encoder) num(n string) *types.AttributeValueMemberN {
	if len(e.ns) == 0 {
		e.ns = make([]types.AttributeValueMemberN, block(&e.nHint))
	}
	av := &e.ns[0]
	e.ns = e.ns[1:]
	av.Value = n
	return av
}

func null() types.AttributeValue { return &types.AttributeValueMemberNULL{Value: true} }

// itemRoom is the room left in an item's map for the attributes the guard
// stamps (owner, version).
const itemRoom = 2

// item is MarshalMap: the item's attribute map, an empty map when item
// does not encode to a map.
func (e *encoder) item(item any) (map[string]types.AttributeValue, error) {
	if m, ok := item.(map[string]any); ok && m != nil {
		e.reserve(m)
		return e.anyMap(m, avTag{}, itemRoom)
	}
	v := reflect.ValueOf(item)
	if !v.IsValid() {
		return map[string]types.AttributeValue{}, nil
	}
	ti := infoOf(v.Type())
	// A struct or a pointer to one, without a Marshaler: straight to its
	// fields, into a map with room for what the guard stamps.
	sv, si := v, ti
	if ti.kind == reflect.Pointer && !v.IsNil() {
		sv, si = v.Elem(), ti.elem
	}
	if si.kind == reflect.Struct && !si.isTime && marshaler(sv, si) == nil {
		e.sHint, e.nHint = si.nStr, si.nNum
		return e.structMap(sv, si, itemRoom)
	}
	av, err := e.value(v, ti, avTag{})
	if err != nil {
		return map[string]types.AttributeValue{}, err
	}
	if m, ok := av.(*types.AttributeValueMemberM); ok {
		return m.Value, nil
	}
	return map[string]types.AttributeValue{}, nil
}

// value is attributevalue's Encoder.encode for v, whose type ti describes.
// A nil value with a nil error means the value is left out.
func (e *encoder) value(v reflect.Value, ti *typeInfo, tag avTag) (types.AttributeValue, error) {
	if tag.ignore {
		return nil, nil
	}
	if isZero(v, ti.kind) {
		switch {
		case tag.omitEmpty && tag.nullEmpty:
			return nil, errDelegate // attributevalue's error
		case tag.omitEmpty:
			return nil, nil
		case tag.nullEmpty || ti.kind == reflect.Map || ti.kind == reflect.Slice ||
			ti.kind == reflect.Interface || ti.kind == reflect.Pointer:
			return null(), nil
		}
	}
	if ti.kind == reflect.Interface || ti.kind == reflect.Pointer {
		v = v.Elem()
		if !v.IsValid() {
			// A nil interface or pointer, zero above: only reached
			// through tags that did not return.
			return null(), nil
		}
		if ti.kind == reflect.Interface {
			ti = infoOf(v.Type())
		} else {
			ti = ti.elem
		}
	}
	return e.body(v, ti, tag)
}

// body encodes v, which is neither zero-checked again nor unwrapped: the
// part of attributevalue's encode after its valueElem.
func (e *encoder) body(v reflect.Value, ti *typeInfo, tag avTag) (types.AttributeValue, error) {
	if ti.kind != reflect.Pointer || !v.IsNil() {
		if m := marshaler(v, ti); m != nil {
			av, err := m.MarshalDynamoDBAttributeValue()
			if err != nil || av != nil {
				e.unchecked = true
				return av, err
			}
		}
	}
	switch ti.kind {
	case reflect.Struct:
		if ti.isTime {
			return e.time(v, tag)
		}
		m, err := e.structMap(v, ti, 0)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case reflect.Map:
		return e.mapValue(v, ti, tag)
	case reflect.Slice, reflect.Array:
		return e.list(v, ti, tag)
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return nil, nil // attributevalue leaves them out, without an error
	case reflect.Pointer:
		if el := v.Elem(); el.IsValid() {
			return e.value(el, ti.elem, tag)
		}
		if tag.omitEmpty && tag.omitEmptyElem {
			return nil, nil
		}
		return null(), nil
	case reflect.Interface:
		return nil, errDelegate // not reached: an interface is unwrapped in value
	}
	return e.scalar(v, ti, tag), nil
}

// marshaler returns v's attributevalue.Marshaler as attributevalue's
// tryMarshaler finds it: on the pointer when v is addressable and its type
// named, else on the value; nil when there is none.
func marshaler(v reflect.Value, ti *typeInfo) attributevalue.Marshaler {
	if ti.kind != reflect.Pointer && ti.named && v.CanAddr() {
		if !ti.marshalPtr {
			return nil
		}
		return v.Addr().Interface().(attributevalue.Marshaler)
	}
	if !ti.marshalVal {
		return nil
	}
	return v.Interface().(attributevalue.Marshaler)
}

// scalar encodes booleans, strings and numbers; other kinds (complex,
// uintptr) are left out, as attributevalue leaves them.
func (e *encoder) scalar(v reflect.Value, ti *typeInfo, tag avTag) types.AttributeValue {
	var n string
	switch ti.kind {
	case reflect.Bool:
		return &types.AttributeValueMemberBOOL{Value: v.Bool()}
	case reflect.String:
		if ti.isNumber && !tag.asString {
			e.unchecked = true // any text
			return e.num(v.String())
		}
		return e.str(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n = strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		e.checkFloat(v.Float())
		n = strconv.FormatFloat(v.Float(), 'f', -1, 32)
	case reflect.Float64:
		e.checkFloat(v.Float())
		n = strconv.FormatFloat(v.Float(), 'f', -1, 64)
	default:
		return nil
	}
	if tag.asString {
		return e.str(n)
	}
	return e.num(n)
}

// checkFloat leaves to checkItem every float but zero and those between
// 1e-6 and 1e21, whose text ('f', shortest) has fewer than 40 digits
// however they are counted: NaN and the infinities, which it refuses, and
// the numbers near DynamoDB's limits of size and precision.
func (e *encoder) checkFloat(f float64) {
	if a := math.Abs(f); a != 0 && !(a >= 1e-6 && a < 1e21) {
		e.unchecked = true
	}
}

// checkKey leaves a map key that is not a valid attribute name to
// checkItem, which refuses it.
func (e *encoder) checkKey(k string) {
	if checkName(k) != nil {
		e.unchecked = true
	}
}

// time encodes a struct convertible to time.Time: RFC 3339 with
// nanoseconds, or Unix seconds with the unixtime tag.
func (e *encoder) time(v reflect.Value, tag avTag) (types.AttributeValue, error) {
	t := v.Convert(timeType).Interface().(time.Time)
	if tag.asUnixTime {
		return e.num(strconv.FormatInt(t.Unix(), 10)), nil
	}
	return e.str(t.Format(time.RFC3339Nano)), nil
}

// isZero is attributevalue's isZeroValue, the kind known.
func isZero(v reflect.Value, k reflect.Kind) bool {
	switch k {
	case reflect.Invalid:
		return true
	case reflect.Array:
		return v.Len() == 0
	case reflect.Map, reflect.Slice, reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	}
	return false
}

// structMap encodes a struct's fields into a map with room more entries.
func (e *encoder) structMap(v reflect.Value, ti *typeInfo, room int) (map[string]types.AttributeValue, error) {
	m := make(map[string]types.AttributeValue, mapHint(len(ti.fields), room))
	if ti.badName {
		e.unchecked = true
	}
	for i := range ti.fields {
		f := &ti.fields[i]
		if !f.readable {
			return nil, errDelegate
		}
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue
		}
		av, err := e.value(fv, f.info, f.tag)
		if err != nil {
			return nil, err
		}
		if av != nil {
			m[f.name] = av
		}
	}
	return m, nil
}

// mapHint is the size to make a map of n entries with room more: a map of
// up to 8 entries is one small block, so the room is not worth leaving
// where it would make a small map a big one.
func mapHint(n, room int) int {
	if n <= 8 && n+room > 8 {
		return 8
	}
	return n + room
}

// fieldByIndex is attributevalue's encoderFieldByIndex: false when the
// field is in an embedded struct behind a nil pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	if len(index) == 1 {
		return v.Field(index[0]), true
	}
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
