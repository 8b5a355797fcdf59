package ddbguard_test

// Shared pieces of the integration tests (it_*_test.go), which run every
// guarded operation against DynamoDB Local. Every identifier starts with
// "it" so that other test files of the package cannot clash with them.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/internal/ddblocal"
)

// TestMain runs the package's tests; without DynamoDB it then says how many
// integration tests were skipped and the command that runs them.
func TestMain(m *testing.M) { os.Exit(ddblocal.Main(m)) }

// itCounting counts the requests sent through it, by operation, to prove
// that every guarded operation is one request.
type itCounting struct{ ddbguardtest.Counter }

// itCount returns a counter of the requests sent to api.
func itCount(api ddbguard.API) *itCounting {
	c := &itCounting{}
	c.API = api
	return c
}

// The operations itCounting counts.
const (
	itGetItem    = "GetItem"
	itPutItem    = "PutItem"
	itUpdateItem = "UpdateItem"
	itDeleteItem = "DeleteItem"
	itTransact   = "TransactWriteItems"
)

// expect checks that exactly n requests were sent since the last check, all
// of them op, and starts counting afresh. op is ignored when n is 0 or op
// is "" (requests of mixed operations).
func (c *itCounting) expect(t *testing.T, op string, n int64) {
	t.Helper()
	if got := c.RequestsOf(op); n > 0 && op != "" && int64(got) != n {
		t.Errorf("%s requests: got %d, want %d", op, got, n)
	}
	if got := c.Requests(); int64(got) != n {
		t.Errorf("requests in all: got %d, want %d", got, n)
	}
	c.Reset()
}

// itSentinels lists every sentinel, to check that an error matches only the
// ones it should.
var itSentinels = []error{
	ddbguard.ErrUnauthenticated, ddbguard.ErrInvalidInput, ddbguard.ErrProtectedAttribute,
	ddbguard.ErrNotFound, ddbguard.ErrNotOwner, ddbguard.ErrForbidden,
	ddbguard.ErrConflict, ddbguard.ErrAlreadyExists,
}

// itWantErr checks that err is an *ddbguard.Error matching sentinel and no
// other sentinel (ErrAlreadyExists also matches ErrConflict), and returns it.
func itWantErr(t *testing.T, err, sentinel error) *ddbguard.Error {
	t.Helper()
	var e *ddbguard.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *ddbguard.Error matching %v", err, err, sentinel)
	}
	for _, s := range itSentinels {
		want := s == sentinel || (sentinel == ddbguard.ErrAlreadyExists && s == ddbguard.ErrConflict)
		if errors.Is(err, s) != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, !want, want)
		}
	}
	return e
}

// itWantSDKErr checks that err is an *ddbguard.Error with no sentinel, whose
// Cause is set: a failure that is not about ownership.
func itWantSDKErr(t *testing.T, err error) *ddbguard.Error {
	t.Helper()
	var e *ddbguard.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *ddbguard.Error", err, err)
	}
	if e.Err != nil || e.Cause == nil {
		t.Errorf("Err = %v, Cause = %v; want Err nil and Cause set", e.Err, e.Cause)
	}
	for _, s := range itSentinels {
		if errors.Is(err, s) {
			t.Errorf("errors.Is(%v, %v): an SDK failure must not match a sentinel", err, s)
		}
	}
	return e
}

// itNoLeak checks that err's message names none of secrets (another
// caller's id, item data).
func itNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error message %q reveals %q", err.Error(), s)
		}
	}
}

// itCtx returns a context that ends with the test, bounded so that a hung
// server fails the test instead of the whole run.
func itCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// itTable is one DynamoDB Local table with the raw client that reads it
// behind the guard's back.
type itTable struct {
	raw  *dynamodb.Client
	name string
	pk   string
	sk   string
}

// itNewTable creates a table with a string partition key "pk" (and a
// string sort key "sk" when sorted), deleted when the test ends.
func itNewTable(t *testing.T, sorted bool) *itTable {
	t.Helper()
	spec := ddblocal.Table{Name: "it_" + itShortName(t), PK: "pk"}
	if sorted {
		spec.SK = "sk"
	}
	return itNewTableSpec(t, spec)
}

// itNewTableSpec creates the table spec describes (spec.Name is the name's
// prefix), with ddbguardtest.LocalTable: an index in spec becomes the
// Schema's owner index, its partition key the owner attribute.
func itNewTableSpec(t *testing.T, spec ddblocal.Table) *itTable {
	t.Helper()
	raw, s := ddbguardtest.LocalTable(t, ddbguard.Schema{
		Table: spec.Name, PartitionKey: spec.PK, SortKey: spec.SK,
		KeyTypes:   []types.ScalarAttributeType{spec.PKType, spec.SKType},
		OwnerIndex: spec.Index, Owner: spec.IndexPK,
		OwnerIndexSortKey: spec.IndexSK, OwnerIndexSortKeyType: spec.IndexSKType,
	})
	return &itTable{raw: raw, name: s.Table, pk: spec.PK, sk: spec.SK}
}

func itShortName(t *testing.T) string {
	n := strings.TrimPrefix(t.Name(), "TestIT")
	if len(n) > 60 {
		n = n[:60]
	}
	return n
}

// guard returns a Guard for the table with schema s (Table and keys filled
// in) and the counter its requests go through.
func (tb *itTable) guard(t *testing.T, s ddbguard.Schema, opts ...ddbguard.Option) (*ddbguard.Guard, *itCounting) {
	t.Helper()
	s.Table, s.PartitionKey, s.SortKey = tb.name, tb.pk, tb.sk
	c := itCount(tb.raw)
	g, err := ddbguard.New(c, s, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g, c
}

// seed writes item with a plain PutItem, bypassing the guard. Values are
// marshalled with attributevalue, except those that already are attribute
// values (for string sets, see itSS).
func (tb *itTable) seed(t *testing.T, item map[string]any) {
	t.Helper()
	av := make(map[string]types.AttributeValue, len(item))
	for name, v := range item {
		if a, ok := v.(types.AttributeValue); ok {
			av[name] = a
			continue
		}
		av[name] = itAV(t, v)
	}
	if _, err := tb.raw.PutItem(itCtx(t), &dynamodb.PutItemInput{TableName: aws.String(tb.name), Item: av}); err != nil {
		t.Fatalf("seed PutItem: %v", err)
	}
}

// item reads the item at k with a consistent GetItem, bypassing the guard;
// nil when it does not exist.
func (tb *itTable) item(t *testing.T, k ddbguard.Key) map[string]types.AttributeValue {
	t.Helper()
	key := map[string]types.AttributeValue{tb.pk: itAV(t, k.PK)}
	if tb.sk != "" {
		key[tb.sk] = itAV(t, k.SK)
	}
	out, err := tb.raw.GetItem(itCtx(t), &dynamodb.GetItemInput{
		TableName: aws.String(tb.name), Key: key, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("raw GetItem: %v", err)
	}
	return out.Item
}

// decode reads the item at k into a map of Go values (numbers as float64).
func (tb *itTable) decode(t *testing.T, k ddbguard.Key) map[string]any {
	t.Helper()
	item := tb.item(t, k)
	if item == nil {
		return nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

// unchanged checks that the item at k is still exactly before.
func (tb *itTable) unchanged(t *testing.T, k ddbguard.Key, before map[string]types.AttributeValue) {
	t.Helper()
	if after := tb.item(t, k); !itEqualItems(before, after) {
		t.Errorf("item %v changed:\nbefore %s\nafter  %s", k, itDump(before), itDump(after))
	}
}

// absent checks that no item exists at k.
func (tb *itTable) absent(t *testing.T, k ddbguard.Key) {
	t.Helper()
	if item := tb.item(t, k); item != nil {
		t.Errorf("item %v exists: %s", k, itDump(item))
	}
}

// itSS returns a string set.
func itSS(members ...string) types.AttributeValue {
	return &types.AttributeValueMemberSS{Value: members}
}

func itAV(t *testing.T, v any) types.AttributeValue {
	t.Helper()
	av, err := attributevalue.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return av
}

func itEqualItems(a, b map[string]types.AttributeValue) bool {
	return itDump(a) == itDump(b)
}

// itDump renders an item canonically (sorted names, sets sorted by
// attributevalue's decoding), for comparing and printing.
func itDump(item map[string]types.AttributeValue) string {
	if item == nil {
		return "<nil>"
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		return "<" + err.Error() + ">"
	}
	return itFormat(m)
}

// itFormat renders a decoded value canonically: map keys sorted (fmt does
// that), string sets sorted, since DynamoDB keeps no set order.
func itFormat(v any) string { return fmt.Sprint(itNormalize(v)) }

func itNormalize(v any) any {
	switch x := v.(type) {
	case []string:
		s := slices.Clone(x)
		slices.Sort(s)
		return s
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = itNormalize(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = itNormalize(e)
		}
		return l
	}
	return v
}

// itWantField checks that the decoded item m holds want under name.
func itWantField(t *testing.T, m map[string]any, name string, want any) {
	t.Helper()
	if got := itFormat(m[name]); got != itFormat(want) {
		t.Errorf("%q = %s, want %s (item %s)", name, got, itFormat(want), itFormat(m))
	}
}
