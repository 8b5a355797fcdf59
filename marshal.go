package ddbguard

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxItemSize is DynamoDB's limit on one item, names and values included.
const maxItemSize = 400 * 1024

// marshalKey turns k into the key map of a request, refusing what DynamoDB
// would refuse (or would silently read as another key).
func (g *Guard) marshalKey(k Key) (map[string]types.AttributeValue, error) {
	return g.marshalKeyAs(k, k, nil)
}

// marshalKeyAs is marshalKey for a key whose values the key validator sees
// as shown: an item's key is validated as the Go values of Error.Key. A
// string partition key's value goes into buf when it is not nil.
func (g *Guard) marshalKeyAs(k, shown Key, buf *types.AttributeValueMemberS) (map[string]types.AttributeValue, error) {
	pk, sk, err := g.checkKey(k, shown, buf)
	if err != nil {
		return nil, err
	}
	return g.keyMap(pk, sk), nil
}

// keyMap returns the key map of the key values pk and sk (nil without a
// sort key).
func (g *Guard) keyMap(pk, sk types.AttributeValue) map[string]types.AttributeValue {
	if g.s.SortKey == "" {
		return map[string]types.AttributeValue{g.s.PartitionKey: pk}
	}
	return map[string]types.AttributeValue{g.s.PartitionKey: pk, g.s.SortKey: sk}
}

// checkKey marshals and checks the values of k, and runs the key
// validator on shown; see marshalKeyAs.
func (g *Guard) checkKey(k, shown Key, buf *types.AttributeValueMemberS) (pk, sk types.AttributeValue, err error) {
	s := &g.s
	if k.PK == nil {
		return nil, nil, errors.New("key has no partition key value")
	}
	if (s.SortKey == "") != (k.SK == nil) {
		if s.SortKey == "" {
			return nil, nil, errors.New("key has a sort key value but the table has no sort key")
		}
		return nil, nil, errors.New("key has no sort key value")
	}
	pk, err = marshalKeyValue(k.PK, g.keyType(0), maxPartitionKey, buf)
	if err != nil {
		return nil, nil, fmt.Errorf("partition key: %w", err)
	}
	if s.SortKey != "" {
		sk, err = marshalKeyValue(k.SK, g.keyType(1), maxSortKey, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("sort key: %w", err)
		}
	}
	if g.validKey != nil {
		if err := g.validKey(shown); err != nil {
			return nil, nil, fmt.Errorf("key rejected: %w", err)
		}
	}
	return pk, sk, nil
}

func (g *Guard) keyType(i int) types.ScalarAttributeType {
	if i < len(g.s.KeyTypes) {
		return g.s.KeyTypes[i]
	}
	return ""
}

// marshalKeyValue marshals a key value of at most max bytes; a string
// goes into buf when it is not nil.
func marshalKeyValue(v any, want types.ScalarAttributeType, max int, buf *types.AttributeValueMemberS) (types.AttributeValue, error) {
	var av types.AttributeValue
	switch x := v.(type) {
	case string:
		if buf == nil {
			av = &types.AttributeValueMemberS{Value: x}
		} else {
			buf.Value = x
			av = buf
		}
	case *types.AttributeValueMemberS, *types.AttributeValueMemberN, *types.AttributeValueMemberB:
		// An item's key attribute, checked with the item (or refused
		// below as a key); only its key limits are left.
		av = x.(types.AttributeValue)
		if n, ok := x.(*types.AttributeValueMemberN); ok {
			if err := checkNumber(n.Value); err != nil {
				return nil, err
			}
		}
	default:
		var err error
		if av, err = marshalValue(v); err != nil {
			return nil, err
		}
	}
	var got types.ScalarAttributeType
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		if x.Value == "" {
			return nil, errors.New("empty string")
		}
		if len(x.Value) > max {
			return nil, fmt.Errorf("longer than %d bytes", max)
		}
		if !validUTF8(x.Value) {
			// The SDK would send U+FFFD instead: another item's key.
			return nil, errors.New("not valid UTF-8")
		}
		got = types.ScalarAttributeTypeS
	case *types.AttributeValueMemberN:
		got = types.ScalarAttributeTypeN
	case *types.AttributeValueMemberB:
		if len(x.Value) == 0 {
			return nil, errors.New("empty binary")
		}
		if len(x.Value) > max {
			return nil, fmt.Errorf("longer than %d bytes", max)
		}
		got = types.ScalarAttributeTypeB
	default:
		return nil, fmt.Errorf("%T is not a string, number or binary", v)
	}
	if want != "" && got != want {
		return nil, fmt.Errorf("type %s, table declares %s", got, want)
	}
	return av, nil
}

// marshalValue converts v to an attribute value. The common scalar types
// skip attributevalue's reflection; everything else goes through it.
func marshalValue(v any) (types.AttributeValue, error) {
	switch x := v.(type) {
	case string:
		return &types.AttributeValueMemberS{Value: x}, nil
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(x)}, nil
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}, nil
	case int32:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(int64(x), 10)}, nil
	case uint64:
		return &types.AttributeValueMemberN{Value: strconv.FormatUint(x, 10)}, nil
	case float64:
		return marshalFloat(x, 64)
	case float32:
		return marshalFloat(float64(x), 32)
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}, nil
	case []byte:
		if x == nil {
			return &types.AttributeValueMemberNULL{Value: true}, nil
		}
		return &types.AttributeValueMemberB{Value: x}, nil
	case types.AttributeValue:
		if err := checkValue(x); err != nil {
			return nil, err
		}
		return x, nil
	}
	av, err := attributevalue.Marshal(v)
	if err != nil {
		return nil, err
	}
	return av, checkValue(av)
}

func marshalFloat(f float64, bits int) (types.AttributeValue, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("NaN and infinite numbers cannot be stored")
	}
	n := strconv.FormatFloat(f, 'f', -1, bits)
	if err := checkNumber(n); err != nil {
		return nil, err
	}
	return &types.AttributeValueMemberN{Value: n}, nil
}

// checkValue refuses values that DynamoDB cannot store, which
// attributevalue marshals without complaint: NaN and infinities, nil
// members, invalid names in maps.
func checkValue(av types.AttributeValue) error {
	switch x := av.(type) {
	case nil:
		return errors.New("nil attribute value")
	case *types.AttributeValueMemberN:
		return checkNumber(x.Value)
	case *types.AttributeValueMemberNS:
		for _, n := range x.Value {
			if err := checkNumber(n); err != nil {
				return err
			}
		}
		return checkSet(x.Value, canonicalNumber)
	case *types.AttributeValueMemberSS:
		return checkStrings(x.Value)
	case *types.AttributeValueMemberBS:
		return checkSet(x.Value, func(b []byte) string { return string(b) })
	case *types.AttributeValueMemberL:
		for _, e := range x.Value {
			if err := checkValue(e); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		return checkItem(x.Value)
	}
	return nil
}

// smallSet is the size up to which checkSet compares members pairwise.
const smallSet = 16

// checkStrings is checkSet for a string set, comparing the members
// themselves.
func checkStrings(members []string) error {
	if len(members) == 0 || len(members) > smallSet {
		return checkSet(members, func(s string) string { return s })
	}
	for i := 1; i < len(members); i++ {
		for _, seen := range members[:i] {
			if seen == members[i] {
				return errors.New("set holds a member twice")
			}
		}
	}
	return nil
}

// checkSet refuses what DynamoDB refuses in a set: no members, or the
// same member twice.
func checkSet[T any](members []T, key func(T) string) error {
	if len(members) == 0 {
		return errors.New("empty set")
	}
	if len(members) <= smallSet {
		// Comparing each pair costs less than building a map.
		var buf [smallSet]string
		keys := buf[:0]
		for _, m := range members {
			k := key(m)
			for _, seen := range keys {
				if seen == k {
					return errors.New("set holds a member twice")
				}
			}
			keys = append(keys, k)
		}
		return nil
	}
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		k := key(m)
		if _, dup := seen[k]; dup {
			return errors.New("set holds a member twice")
		}
		seen[k] = struct{}{}
	}
	return nil
}

func checkItem(m map[string]types.AttributeValue) error {
	for name, v := range m {
		if err := checkAttribute(name, v); err != nil {
			return err
		}
	}
	return nil
}

// checkAttribute checks one attribute of an item, its name and its value.
func checkAttribute(name string, v types.AttributeValue) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkValue(v); err != nil {
		return fmt.Errorf("attribute %q: %w", name, err)
	}
	return nil
}

// marshalItem converts item to a fresh attribute map that the caller may
// modify.
func marshalItem(item any) (map[string]types.AttributeValue, error) {
	m, _, err := marshalItemSized(item)
	return m, err
}

// marshalItemSized is marshalItem that also returns the item's size
// (itemSize) when it comes for free, else -1.
func marshalItemSized(item any) (map[string]types.AttributeValue, int, error) {
	switch x := item.(type) {
	case map[string]types.AttributeValue:
		if x == nil {
			return nil, 0, errors.New("nil item")
		}
		// Copied, checked and measured in one pass; room for the stamps.
		m := make(map[string]types.AttributeValue, len(x)+3)
		size := 0
		for k, v := range x {
			if err := checkAttribute(k, v); err != nil {
				return nil, 0, err
			}
			m[k] = v
			size += len(k) + valueSize(v)
		}
		return m, size, nil
	case nil:
		return nil, 0, errors.New("nil item")
	}
	m, checked, err := encodeItem(item) // attributevalue.MarshalMap's result, faster
	if err != nil {
		return nil, 0, err
	}
	if m == nil {
		return nil, 0, errors.New("nil item")
	}
	// attributevalue skips chan and func values without an error.
	if v := reflect.ValueOf(item); v.Kind() == reflect.Map && v.Len() != len(m) {
		return nil, 0, errors.New("item holds a value that cannot be stored, such as a chan or func")
	}
	if checked {
		return m, -1, nil
	}
	return m, -1, checkItem(m)
}

// stamp sets item[name], which held old (nil: nothing), to av, keeping
// *size (itemSize of item, or -1 when unknown) up to date.
func stamp(item map[string]types.AttributeValue, name string, old, av types.AttributeValue, size *int) {
	if *size >= 0 {
		if old != nil {
			*size -= len(name) + valueSize(old)
		}
		*size += len(name) + valueSize(av)
	}
	item[name] = av
}

// itemSize is DynamoDB's size of an item: names plus values, as its
// documentation counts them.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(av types.AttributeValue) int {
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return len(x.Value)/2 + 2
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += len(s)/2 + 2
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range x.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + itemSize(x.Value) + len(x.Value)
	}
	return 1
}

// stampOwner sets item's owner to caller, in buf. An owner attribute that
// is already there must be caller, or empty (a struct's zero value).
func (g *Guard) stampOwner(caller string, item map[string]types.AttributeValue, buf *types.AttributeValueMemberS, size *int) error {
	av, ok := item[g.s.Owner]
	if ok {
		s, isS := av.(*types.AttributeValueMemberS)
		if !isS || (s.Value != "" && s.Value != caller) {
			return errors.New("item names another owner")
		}
	}
	buf.Value = caller
	stamp(item, g.s.Owner, av, buf, size)
	return nil
}

// itemKey checks the key of item. The key map is made only when needed
// (op.keyAV), and the Key of errors and audit events too (op.keyOf),
// unless the key validator must see it.
func (g *Guard) itemKey(item map[string]types.AttributeValue) (Key, error) {
	var k Key
	pk, ok := item[g.s.PartitionKey]
	if !ok {
		return k, errors.New("item has no partition key")
	}
	var sk types.AttributeValue
	if g.s.SortKey != "" {
		if sk, ok = item[g.s.SortKey]; !ok {
			return k, errors.New("item has no sort key")
		}
	}
	if g.validKey != nil {
		k = itemKeyOf(&g.s, item)
	}
	_, _, err := g.checkKey(Key{PK: pk, SK: sk}, k, nil)
	return k, err
}

// itemKeyOf returns the Key of item: its key attributes' Go values.
func itemKeyOf(s *Schema, item map[string]types.AttributeValue) Key {
	var k Key
	if pk, ok := item[s.PartitionKey]; ok {
		k.PK = keyValue(pk)
	}
	if s.SortKey != "" {
		if sk, ok := item[s.SortKey]; ok {
			k.SK = keyValue(sk)
		}
	}
	return k
}

// keyValue returns the Go value of a key attribute, for Error.Key and key
// validators: a string, the decimal text of a number, or bytes.
func keyValue(av types.AttributeValue) any {
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		return x.Value
	case *types.AttributeValueMemberB:
		return x.Value
	}
	return av
}
