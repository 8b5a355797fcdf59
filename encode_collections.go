package ddbguard

import (
	"reflect"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var anyMapType = reflect.TypeFor[map[string]any]()

// reserve allocates the string and number blocks of a map[string]any
// item: one member for each string and number it holds directly.
func (e *encoder) reserve(m map[string]any) {
	var ns, nn int
	for _, x := range m {
		switch x.(type) {
		case string:
			ns++
		case int, int64, float64:
			nn++
		}
	}
	e.sHint, e.nHint = ns, nn
}

// anyMap encodes a map[string]any, whose elements have the tag tag, into
// a map with room more entries. The common dynamic types skip reflection;
// each is encoded as attributevalue encodes it (an element is not
// zero-checked: only the interface is, and it is not nil).
func (e *encoder) anyMap(m map[string]any, tag avTag, room int) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, mapHint(len(m), room))
	et := tag.elemTag()
	for k, x := range m {
		if k == "" {
			return nil, errDelegate // attributevalue's error
		}
		e.checkKey(k)
		var av types.AttributeValue
		switch y := x.(type) {
		case nil:
			switch {
			case et.omitEmpty && et.nullEmpty:
				return nil, errDelegate
			case et.omitEmpty:
				continue
			}
			av = null()
		case string:
			av = e.str(y)
		case int:
			av = e.num(strconv.Itoa(y))
		case int64:
			av = e.num(strconv.FormatInt(y, 10))
		case float64:
			e.checkFloat(y)
			av = e.num(strconv.FormatFloat(y, 'f', -1, 64))
		case bool:
			av = &types.AttributeValueMemberBOOL{Value: y}
		default:
			v := reflect.ValueOf(x)
			var err error
			if av, err = e.body(v, infoOf(v.Type()), et); err != nil {
				return nil, err
			}
		}
		if av != nil {
			out[k] = av
		}
	}
	return out, nil
}

// mapValue is attributevalue's encodeMap, for map keys that are plain
// strings (any other key is left to attributevalue).
func (e *encoder) mapValue(v reflect.Value, ti *typeInfo, tag avTag) (types.AttributeValue, error) {
	if !ti.plainKey {
		return nil, errDelegate
	}
	if v.Type() == anyMapType {
		m, err := e.anyMap(v.Interface().(map[string]any), tag, 0)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	out := make(map[string]types.AttributeValue, v.Len())
	et := tag.elemTag()
	key := reflect.New(v.Type().Key()).Elem()
	// An element read into one reusable value is addressable where
	// attributevalue's MapIndex is not; that changes nothing unless a
	// Marshaler is on a pointer only.
	var elem reflect.Value
	if !ti.elem.addrMatters {
		elem = reflect.New(v.Type().Elem()).Elem()
	}
	for it := v.MapRange(); it.Next(); {
		key.SetIterKey(it)
		k := key.String()
		if k == "" {
			return nil, errDelegate // attributevalue's error
		}
		e.checkKey(k)
		ev := elem
		if ev.IsValid() {
			ev.SetIterValue(it)
		} else {
			ev = it.Value()
		}
		av, err := e.value(ev, ti.elem, et)
		if err != nil {
			return nil, err
		}
		if av != nil {
			out[k] = av
		}
	}
	return &types.AttributeValueMemberM{Value: out}, nil
}

// list is attributevalue's encodeSlice: bytes are binary; a binaryset,
// numberset or stringset tag (or the type [][]byte) makes a set, NULL when
// empty; anything else is a list.
func (e *encoder) list(v reflect.Value, ti *typeInfo, tag avTag) (types.AttributeValue, error) {
	switch {
	case ti.namedBytes:
		return nil, errDelegate
	case ti.bytes:
		b := make([]byte, v.Len())
		if ti.kind == reflect.Slice {
			copy(b, v.Bytes())
		} else {
			reflect.Copy(reflect.ValueOf(b), v)
		}
		return &types.AttributeValueMemberB{Value: b}, nil
	}
	n, et := v.Len(), tag.elemTag()
	isSet := tag.asBinSet || ti.byteSlices || tag.asNumSet || tag.asStrSet
	if isSet && n == 0 {
		return null(), nil
	}
	switch {
	case tag.asBinSet || ti.byteSlices:
		e.unchecked = true // duplicates
		bs := make([][]byte, 0, n)
		for i := range n {
			av, err := e.value(v.Index(i), ti.elem, et)
			if err != nil {
				return nil, err
			}
			if av == nil {
				continue
			}
			b, ok := av.(*types.AttributeValueMemberB)
			if !ok || b.Value == nil {
				return nil, errDelegate // attributevalue's error
			}
			bs = append(bs, b.Value)
		}
		return &types.AttributeValueMemberBS{Value: bs}, nil
	case tag.asNumSet:
		e.unchecked = true // duplicates, and numbers of any text
		ns := make([]string, 0, n)
		for i := range n {
			av, err := e.value(v.Index(i), ti.elem, et)
			if err != nil {
				return nil, err
			}
			if av == nil {
				continue
			}
			num, ok := av.(*types.AttributeValueMemberN)
			if !ok {
				return nil, errDelegate // attributevalue's error
			}
			ns = append(ns, num.Value)
		}
		return &types.AttributeValueMemberNS{Value: ns}, nil
	case tag.asStrSet:
		return e.stringSet(v, ti, et)
	}
	l := make([]types.AttributeValue, 0, n)
	for i := range n {
		av, err := e.value(v.Index(i), ti.elem, et)
		if err != nil {
			return nil, err
		}
		if av != nil {
			l = append(l, av)
		}
	}
	return &types.AttributeValueMemberL{Value: l}, nil
}

// stringSet encodes a non-empty list as a string set; plain strings skip
// the member each would otherwise take.
func (e *encoder) stringSet(v reflect.Value, ti *typeInfo, et avTag) (types.AttributeValue, error) {
	n := v.Len()
	ss := make([]string, 0, n)
	plain := ti.elem.kind == reflect.String && !ti.elem.isNumber && !ti.elem.marshalPtr
	for i := range n {
		if plain {
			s := v.Index(i).String()
			switch {
			case s != "" || !et.omitEmpty && !et.nullEmpty:
				ss = append(ss, s)
			case et.nullEmpty && !et.omitEmpty:
				return nil, errDelegate // NULL in a string set: attributevalue's error
			case et.omitEmpty && et.nullEmpty:
				return nil, errDelegate
			}
			continue
		}
		av, err := e.value(v.Index(i), ti.elem, et)
		if err != nil {
			return nil, err
		}
		if av == nil {
			continue
		}
		s, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return nil, errDelegate // attributevalue's error
		}
		ss = append(ss, s.Value)
	}
	e.checkStrings(ss)
	return &types.AttributeValueMemberSS{Value: ss}, nil
}

// checkStrings leaves a string set to checkItem unless it is small, not
// empty and without duplicates.
func (e *encoder) checkStrings(ss []string) {
	if len(ss) == 0 || len(ss) > smallSet {
		e.unchecked = true
		return
	}
	for i := 1; i < len(ss); i++ {
		for _, s := range ss[:i] {
			if s == ss[i] {
				e.unchecked = true
				return
			}
		}
	}
}
