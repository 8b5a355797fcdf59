package ddbguard

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// encoded is the outcome of one marshalling: the item, whether it failed,
// and whether it panicked.
type encoded struct {
	item     map[string]types.AttributeValue
	failed   bool
	panicked bool
}

func outcome(f func() (map[string]types.AttributeValue, error)) (o encoded) {
	defer func() {
		if recover() != nil {
			o = encoded{panicked: true}
		}
	}()
	m, err := f()
	return encoded{item: m, failed: err != nil}
}

// requireSameAsAttributevalue fails t unless encodeItem(v) and
// attributevalue.MarshalMap(v) give the same item, or both fail, or both
// panic.
func requireSameAsAttributevalue(t testing.TB, v any) {
	t.Helper()
	want := outcome(func() (map[string]types.AttributeValue, error) { return attributevalue.MarshalMap(v) })
	got := outcome(func() (map[string]types.AttributeValue, error) {
		m, checked, err := encodeItem(v)
		if err == nil && checked {
			// checked lets marshalItem skip checkItem: it must be true
			// only of what checkItem accepts.
			if cerr := checkItem(m); cerr != nil {
				t.Errorf("%T: checked, but checkItem says %v", v, cerr)
			}
		}
		return m, err
	})
	if want.failed || want.panicked || got.failed || got.panicked {
		if got.failed != want.failed || got.panicked != want.panicked {
			t.Errorf("%T: failed %v panicked %v, attributevalue failed %v panicked %v", v, got.failed, got.panicked, want.failed, want.panicked)
		}
		return
	}
	if !reflect.DeepEqual(got.item, want.item) {
		t.Errorf("%T:\n got  %s\n want %s", v, showItem(got.item), showItem(want.item))
	}
}

func showItem(m map[string]types.AttributeValue) string {
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "%s=%s ", k, showAV(v))
	}
	return b.String()
}

func showAV(av types.AttributeValue) string {
	switch x := av.(type) {
	case *types.AttributeValueMemberM:
		return "M{" + showItem(x.Value) + "}"
	case *types.AttributeValueMemberL:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			parts[i] = showAV(e)
		}
		return "L[" + strings.Join(parts, ",") + "]"
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("%T%+v", av, reflect.ValueOf(av).Elem().Field(0).Interface())
}

// Types of the table.
type (
	encScalars struct {
		S    string
		I    int
		I8   int8
		I16  int16
		I32  int32
		I64  int64
		U    uint
		U8   uint8
		U16  uint16
		U32  uint32
		U64  uint64
		F32  float32
		F64  float64
		B    bool
		Up   uintptr
		C    complex64
		Ch   chan int
		Fn   func()
		priv string
	}
	encTags struct {
		Renamed   string            `dynamodbav:"renamed"`
		Skipped   string            `dynamodbav:"-"`
		Dash      string            `dynamodbav:"-,"`
		OmitS     string            `dynamodbav:",omitempty"`
		OmitI     int               `dynamodbav:"omit_i,omitempty"`
		OmitB     bool              `dynamodbav:",omitempty"`
		OmitP     *string           `dynamodbav:",omitempty"`
		OmitM     map[string]string `dynamodbav:",omitempty"`
		OmitL     []int             `dynamodbav:",omitempty"`
		OmitElemL []string          `dynamodbav:",omitemptyelem"`
		OmitElemM map[string]any    `dynamodbav:",omitempty,omitemptyelem"`
		NullS     string            `dynamodbav:",nullempty"`
		NullElem  []string          `dynamodbav:",nullemptyelem"`
		StrI      int               `dynamodbav:",string"`
		StrF      float64           `dynamodbav:",string"`
		StrS      string            `dynamodbav:",string"`
		SS        []string          `dynamodbav:",stringset"`
		SSEmpty   []string          `dynamodbav:",stringset"`
		SSOmit    []string          `dynamodbav:",stringset,omitempty"`
		NS        []int             `dynamodbav:",numberset"`
		NSF       []float64         `dynamodbav:",numberset"`
		BS        [][]byte          `dynamodbav:",binaryset"`
		BSAuto    [][]byte
		When      time.Time
		WhenUnix  time.Time  `dynamodbav:",unixtime"`
		WhenZero  time.Time  `dynamodbav:",omitempty"`
		WhenP     *time.Time `dynamodbav:",unixtime"`
		Num       json.Number
		NumS      json.Number `dynamodbav:",string"`
		Unix      attributevalue.UnixTime
	}
	encInner struct {
		A, B string
		N    int `dynamodbav:"n"`
	}
	encOther struct{ A, C string }
	encEmbed struct {
		encInner
		*encOther
		B     string   // shadows encInner.B
		Named encInner `dynamodbav:"named"`
	}
	encShadow struct {
		encInner
		encOther // A at the same depth twice: dropped
	}
	EncExported struct{ X, Y string }
	encEmbedPtr struct {
		*EncExported
		Z string
	}
	EncName   string
	encEmbedS struct {
		EncName
		W int
	}
	encPtrs struct {
		PS  *string
		PI  **int
		PN  *int
		PSt *encInner
		PNl *encInner
		Any any
		Nil any
		NP  any
	}
	encColl struct {
		Bytes    []byte
		NilBytes []byte
		Empty    []byte
		Arr      [3]byte
		Zero     [0]int
		Ints     [2]int
		Strs     []string
		EmptyL   []string
		Anys     []any
		Ptrs     []*string
		Structs  []encInner
		M        map[string]int
		MAny     map[string]any
		MNil     map[string]string
		MEmpty   map[string]bool
		MStruct  map[string]encInner
		MPtr     map[string]*encInner
		Nested   [][]string
		AV       types.AttributeValue
		AVMember *types.AttributeValueMemberS
	}
	encSelf struct {
		Name string
		Next *encSelf
	}
	encVal   struct{ X int }
	encPtrM  struct{ X int }
	encNilM  struct{ X string }
	encErrM  struct{}
	encMarsh struct {
		V  encVal
		P  encPtrM
		PP *encPtrM
		N  encNilM
	}
	EncKey    string
	encKeyed  struct{ M map[EncKey]string }
	encIntKey struct{ M map[int]string }
	EncByte   uint8
	encBytes  struct{ B []EncByte }
	encBad    struct {
		S []int `dynamodbav:",stringset"`
	}
	encBoth struct {
		S string `dynamodbav:",omitempty,nullempty"`
	}
	encErr    struct{ E encErrM }
	encTime   time.Time
	encMyTime struct{ T encTime }
	encHidden struct {
		encHiddenName
	}
	encHiddenName string
)

func (v encVal) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: fmt.Sprint("val", v.X)}, nil
}

func (p *encPtrM) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(p.X)}, nil
}

func (encNilM) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { return nil, nil }

var errEncTest = errors.New("marshaler failed")

func (encErrM) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return nil, errEncTest
}

func (k EncKey) MarshalText() ([]byte, error) { return []byte("k-" + string(k)), nil }

func encTable() []any {
	s, n := "str", 7
	pn := &n
	now := time.Date(2026, 12, 1, 8, 9, 10, 123456789, time.FixedZone("x", 3600))
	inner := encInner{A: "a", B: "b", N: 3}
	return []any{
		encScalars{S: "s", I: -1, I8: -8, I16: 16, I32: 32, I64: 1 << 40, U: 1, U8: 8, U16: 16, U32: 32, U64: 1 << 63,
			F32: 1.1, F64: 3.141592653589793, B: true, Up: 5, C: 1 + 2i, Ch: make(chan int), Fn: func() {}, priv: "p"},
		encScalars{},
		&encScalars{F32: 1e-7, F64: 1e21},
		encScalars{F64: math.Copysign(0, -1), F32: float32(1) / 3},
		encTags{},
		encTags{Renamed: "r", Skipped: "x", Dash: "d", OmitS: "o", OmitI: 1, OmitB: true, OmitP: &s, OmitM: map[string]string{"a": "b"},
			OmitL: []int{}, OmitElemL: []string{"", "a", ""}, OmitElemM: map[string]any{"e": "", "n": nil, "z": 0}, NullS: "",
			NullElem: []string{"a"}, StrI: 42, StrF: 2.5, StrS: "s", SS: []string{"a", "b"}, SSEmpty: []string{}, SSOmit: nil,
			NS: []int{1, 2}, NSF: []float64{0.5}, BS: [][]byte{{1}, {}}, BSAuto: [][]byte{{2}}, When: now, WhenUnix: now,
			WhenP: &now, Num: "12.50", NumS: "7", Unix: attributevalue.UnixTime(now)},
		encTags{BSAuto: [][]byte{}, NS: []int{}, OmitElemL: []string{}},
		encEmbed{encInner: inner, encOther: &encOther{A: "oa", C: "oc"}, B: "outer", Named: inner},
		encEmbed{encInner: inner},
		&encEmbed{},
		encShadow{encInner: inner, encOther: encOther{A: "x", C: "y"}},
		encEmbedPtr{EncExported: &EncExported{X: "x", Y: "y"}, Z: "z"},
		encEmbedPtr{Z: "z"},
		encEmbedS{EncName: "name", W: 1},
		encHidden{encHiddenName: "hidden"},
		encPtrs{PS: &s, PI: &pn, PSt: &inner, Any: []int{1, 2}, NP: (*string)(nil)},
		encPtrs{Any: map[string]any{"deep": map[string]any{"x": []any{1, "a", nil, true, 2.5}}}},
		encPtrs{Any: inner},
		encPtrs{Any: &inner},
		encPtrs{Any: ""},
		encColl{Bytes: []byte("abc"), Empty: []byte{}, Arr: [3]byte{1, 2, 3}, Ints: [2]int{4, 5}, Strs: []string{"a", ""}, EmptyL: []string{},
			Anys: []any{nil, "x", 1, []byte{9}}, Ptrs: []*string{&s, nil}, Structs: []encInner{inner, {}}, M: map[string]int{"a": 1, "b": 0},
			MAny: map[string]any{"a": nil, "b": ""}, MEmpty: map[string]bool{}, MStruct: map[string]encInner{"i": inner},
			MPtr: map[string]*encInner{"p": &inner, "n": nil}, Nested: [][]string{{"a"}, nil, {}},
			AV: &types.AttributeValueMemberS{Value: "av"}, AVMember: &types.AttributeValueMemberS{Value: "m"}},
		encColl{},
		encSelf{Name: "a", Next: &encSelf{Name: "b", Next: &encSelf{Name: "c"}}},
		encMarsh{V: encVal{X: 1}, P: encPtrM{X: 2}, PP: &encPtrM{X: 3}},
		&encMarsh{V: encVal{X: 1}, P: encPtrM{X: 2}},
		encVal{X: 9},
		&encPtrM{X: 4},
		encPtrM{X: 4},
		encKeyed{M: map[EncKey]string{"a": "b"}},
		encIntKey{M: map[int]string{1: "one"}},
		encBytes{B: []EncByte{1, 2}},
		encBad{S: []int{1}},
		encBoth{},
		encBoth{S: "x"},
		encErr{},
		encMyTime{T: encTime(now)},
		now,
		&now,
		(*encInner)(nil),
		"not a map",
		42,
		[]string{"a"},
		map[string]any{},
		map[string]any{"id": "x", "n": 1, "i64": int64(-3), "f": 0.1, "b": false, "nil": nil, "bytes": []byte{}, "nbytes": []byte(nil),
			"t": now, "num": json.Number("3"), "s": []string{"a"}, "m": map[string]string{"k": "v"}, "p": &s, "np": (*int)(nil),
			"av": &types.AttributeValueMemberN{Value: "1"}, "inner": inner, "ch": make(chan int), "c": 1i, "u8": uint8(3), "f32": float32(0.1)},
		map[string]any{"": "empty key"},
		map[string]any{"m": map[string]any{"": 1}},
		map[string]string{"a": "b", "c": ""},
		map[string]int{},
		map[string][]byte{"b": nil},
		map[string]*encPtrM{"p": {X: 1}},
		map[string]encPtrM{"v": {X: 1}},
		map[string]encMarsh{"m": {P: encPtrM{X: 5}}},
		map[int]any{1: "x"},
		map[string]any(nil),
		map[string]types.AttributeValue{"x": &types.AttributeValueMemberS{Value: "y"}},
	}
}

func TestEncodeItem_sameItemAsAttributevalue(t *testing.T) {
	for i, v := range encTable() {
		t.Run(fmt.Sprintf("%d_%T", i, v), func(t *testing.T) {
			requireSameAsAttributevalue(t, v)
		})
	}
}

// TestEncodeItem_encodesCommonItemsItself keeps the encoder from passing
// everything to attributevalue: the common shapes never delegate.
func TestEncodeItem_encodesCommonItemsItself(t *testing.T) {
	s := "x"
	for _, v := range []any{
		encScalars{S: "s", I: 1, F64: 2},
		&encTags{SS: []string{"a"}, NS: []int{1}, BS: [][]byte{{1}}, When: time.Now(), Num: "1"},
		encEmbed{encInner: encInner{A: "a"}},
		encPtrs{PS: &s, Any: map[string]any{"a": []any{1}}},
		encColl{Bytes: []byte("x"), M: map[string]int{"a": 1}, Structs: []encInner{{}}},
		encMarsh{V: encVal{X: 1}, PP: &encPtrM{X: 1}},
		map[string]any{"id": "x", "n": 1, "b": true, "l": []any{"a"}, "m": map[string]any{"k": 1.5}},
	} {
		var e encoder
		if _, err := e.item(v); err != nil {
			t.Errorf("%T: %v", v, err)
		}
	}
	var e encoder
	if _, err := e.item(encErr{}); !errors.Is(err, errEncTest) {
		t.Errorf("a Marshaler's error: %v", err)
	}
}

func TestEncodeItem_concurrentFirstUseOfAType(t *testing.T) {
	type fresh struct {
		A string
		B []encSelf
		C map[string]encInner
	}
	v := fresh{A: "a", B: []encSelf{{Name: "n", Next: &encSelf{}}}, C: map[string]encInner{"k": {A: "x"}}}
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			requireSameAsAttributevalue(t, v)
		}()
	}
	for range 8 {
		<-done
	}
}

// TestMarshalItem_encodedItemsStillRefuseWhatDynamoDBRefuses: the values
// the encoder does not vouch for still go through checkItem.
func TestMarshalItem_encodedItemsStillRefuseWhatDynamoDBRefuses(t *testing.T) {
	type sets struct {
		S []string `dynamodbav:"s,stringset"`
	}
	for _, v := range []any{
		struct{ F float64 }{math.NaN()},
		struct{ F float32 }{float32(math.Inf(1))},
		sets{S: []string{"a", "a"}},
		map[string]any{"bad\xff": 1},
		map[string]any{"n": math.Inf(-1)},
		struct{ N json.Number }{"twelve"},
	} {
		if _, err := marshalItem(v); err == nil {
			t.Errorf("%#v: no error", v)
		}
	}
}
