package ddbguard

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
)

// fuzzDoc is a struct item with a field of every tag the encoder knows.
type fuzzDoc struct {
	ID       string            `dynamodbav:"id"`
	Title    string            `dynamodbav:"title,omitempty"`
	Count    int               `dynamodbav:",omitempty"`
	Small    int8              `dynamodbav:"small"`
	Big      uint64            `dynamodbav:"big,string"`
	Price    float64           `dynamodbav:"price"`
	Ratio    float32           `dynamodbav:"ratio,omitempty"`
	Done     bool              `dynamodbav:"done"`
	Tags     []string          `dynamodbav:"tags,stringset,omitempty"`
	Elems    []string          `dynamodbav:"elems,omitemptyelem"`
	Nums     []int             `dynamodbav:"nums,numberset"`
	Blobs    [][]byte          `dynamodbav:"blobs"`
	Data     []byte            `dynamodbav:"data"`
	Attrs    map[string]string `dynamodbav:"attrs,omitemptyelem"`
	Extra    map[string]any    `dynamodbav:"extra"`
	Any      any               `dynamodbav:"any"`
	Ptr      *string           `dynamodbav:"ptr,omitempty"`
	When     time.Time         `dynamodbav:"when"`
	Unix     time.Time         `dynamodbav:"unix,unixtime"`
	Num      json.Number       `dynamodbav:"num,omitempty"`
	Secret   string            `dynamodbav:"-"`
	Inner    *encInner         `dynamodbav:"inner"`
	Marsh    encVal            `dynamodbav:"marsh"`
	PtrMarsh encPtrM           `dynamodbav:"ptrmarsh"`
	encInner
}

// fuzzSource hands out the fuzz input as values; once it runs dry every
// value is zero.
type fuzzSource struct{ b []byte }

func (s *fuzzSource) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *fuzzSource) uint64() uint64 {
	var u uint64
	for range 8 {
		u = u<<8 | uint64(s.byte())
	}
	return u
}

func (s *fuzzSource) string() string {
	n := int(s.byte() % 12)
	if n > len(s.b) {
		n = len(s.b)
	}
	str := string(s.b[:n])
	s.b = s.b[n:]
	return str
}

func (s *fuzzSource) strings() []string {
	switch n := int(s.byte() % 6); n {
	case 0:
		return nil
	case 1:
		return []string{}
	default:
		out := make([]string, n-1)
		for i := range out {
			out[i] = s.string()
		}
		return out
	}
}

func (s *fuzzSource) float() float64 {
	switch s.byte() % 8 {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(int(s.byte()%2)*2 - 1)
	case 2:
		return 0
	default:
		return math.Float64frombits(s.uint64())
	}
}

// value builds a dynamic value of one of the kinds an item holds, nesting
// at most depth levels.
func (s *fuzzSource) value(depth int) any {
	k := s.byte() % 20
	if depth <= 0 && k >= 12 {
		k %= 12
	}
	switch k {
	case 0:
		return nil
	case 1:
		return s.string()
	case 2:
		return int(int64(s.uint64()))
	case 3:
		return int64(s.uint64())
	case 4:
		return s.float()
	case 5:
		return s.byte()%2 == 1
	case 6:
		if s.byte()%2 == 0 {
			return []byte(nil)
		}
		return []byte(s.string())
	case 7:
		return uint32(s.uint64())
	case 8:
		return float32(s.float())
	case 9:
		return json.Number(s.string())
	case 10:
		return time.Unix(int64(s.uint64()%1e10), int64(s.byte())).UTC()
	case 11:
		str := s.string()
		if s.byte()%2 == 0 {
			return (*string)(nil)
		}
		return &str
	case 12, 13:
		l := make([]any, s.byte()%4)
		for i := range l {
			l[i] = s.value(depth - 1)
		}
		return l
	case 14, 15:
		return s.anyMap(depth - 1)
	case 16:
		return s.strings()
	case 17:
		return map[string]string{s.string(): s.string()}
	case 18:
		return encInner{A: s.string(), N: int(s.byte())}
	default:
		return s.doc(depth - 1)
	}
}

func (s *fuzzSource) anyMap(depth int) map[string]any {
	if s.byte()%8 == 0 {
		return nil
	}
	m := map[string]any{}
	for range s.byte() % 5 {
		m[s.string()] = s.value(depth)
	}
	return m
}

func (s *fuzzSource) doc(depth int) fuzzDoc {
	d := fuzzDoc{
		ID: s.string(), Title: s.string(), Count: int(int16(s.uint64())), Small: int8(s.byte()), Big: s.uint64(),
		Price: s.float(), Ratio: float32(s.float()), Done: s.byte()%2 == 1, Tags: s.strings(), Elems: s.strings(),
		Data: []byte(s.string()), Secret: s.string(), Marsh: encVal{X: int(s.byte())}, PtrMarsh: encPtrM{X: int(s.byte())},
		When: time.Unix(int64(s.uint64()%1e11), 0), Unix: time.Unix(int64(s.byte()), 0), Num: json.Number(s.string()),
	}
	d.encInner = encInner{A: s.string(), B: s.string(), N: int(s.byte())}
	for range s.byte() % 3 {
		d.Nums = append(d.Nums, int(s.byte()))
		d.Blobs = append(d.Blobs, []byte(s.string()))
	}
	if s.byte()%2 == 1 {
		d.Attrs = map[string]string{s.string(): s.string(), s.string(): ""}
	}
	if s.byte()%2 == 1 {
		str := s.string()
		d.Ptr = &str
	}
	if s.byte()%2 == 1 {
		d.Inner = &encInner{A: s.string()}
	}
	if depth > 0 {
		d.Extra = s.anyMap(depth)
		d.Any = s.value(depth)
	}
	return d
}

// FuzzEncodeEquivalence builds items from the fuzz input (a struct with
// every tag, its pointer, and a map[string]any of nested values) and
// requires encodeItem to give exactly attributevalue.MarshalMap's item,
// or to fail (or panic) where it does.
func FuzzEncodeEquivalence(f *testing.F) {
	f.Add([]byte("id\x03abc\x10\x20\x30\x40\x50\x60\x70\x80\x05title\x01\x02\x03"))
	f.Add([]byte("\x13\x13\x13\x0e\x0e\x0e\x0c\x0c\x04\x00\x01"))
	f.Add([]byte{0x0e, 0x04, 0x03, 'a', 'b', 'c', 0x04, 0x00, 0x01, 'x', 0x09, 0x02, '1', '2'})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &fuzzSource{b: data}
		d := s.doc(2)
		requireSameAsAttributevalue(t, d)
		requireSameAsAttributevalue(t, &d)
		requireSameAsAttributevalue(t, s.anyMap(3))
		requireSameAsAttributevalue(t, s.value(3))
	})
}

// TestFuzzSource_reachesTheEncodersPaths keeps the fuzz target honest: its
// seeds build items the encoder handles itself, not only ones it hands to
// attributevalue.
func TestFuzzSource_reachesTheEncodersPaths(t *testing.T) {
	s := &fuzzSource{b: []byte("id\x03abc\x10\x20\x30\x40\x50\x60\x70\x80\x05title\x01\x02\x03")}
	var e encoder
	if _, err := e.item(s.doc(2)); err != nil {
		t.Fatalf("fuzzDoc: %v", err)
	}
	want, err := attributevalue.MarshalMap(fuzzDoc{ID: "x"})
	if err != nil || len(want) == 0 {
		t.Fatalf("attributevalue: %v", err)
	}
}
