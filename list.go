package ddbguard

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Placeholders of List's key condition, in the guard's namespace.
const (
	phTenant = "#gt"
	vTenant  = ":gtn"

	keyCondOwner  = phOwner + " = " + vCaller
	keyCondTenant = keyCondOwner + " AND " + phTenant + " = " + vTenant
)

// GuardedList lists the caller's own items, a page per request, through
// Schema.OwnerIndex. Build it with Guard.List, set Where, Limit, Descending
// and After as needed, then call Page. A GuardedList is not safe for
// concurrent use; it may run several Pages in turn, with After(next)
// between them.
type GuardedList struct {
	op
	where      []expression.ConditionBuilder
	limit      int32
	descending bool
	start      map[string]types.AttributeValue // the cursor's key
	used       bool                            // block was handed to the API
	block      queryBlock
}

// List returns a builder for the pages of caller's own items: one Query
// per Page on Schema.OwnerIndex, whose key condition is the caller (and,
// with Schema.Tenant, the view's tenant) and never anything the client
// chose. Without OwnerIndex, or on a Schema with Tenant outside a tenant
// view, Page fails with ErrInvalidInput and sends nothing.
//
// The index is eventually consistent: right after a write a page may miss
// a created item, still show a deleted one or one transferred to someone
// else a moment ago, or show stale values. Every item is checked again
// before it reaches out; to show one item, read it with Get.
func (g *Guard) List(caller string) *GuardedList {
	l := &GuardedList{op: g.start("list", caller)}
	switch {
	case l.err != nil:
	case g.list == nil:
		l.fail(ErrInvalidInput, "List needs Schema.OwnerIndex")
	case g.s.Tenant != "" && g.tenant == "":
		l.fail(ErrInvalidInput, "List on a Schema with Tenant needs a ForTenant view")
	case len(caller) > 2048:
		l.fail(ErrInvalidInput, "caller longer than 2048 bytes, the limit of an index key")
	case len(g.tenant) > 1024:
		l.fail(ErrInvalidInput, "tenant longer than 1024 bytes, the limit of an index sort key")
	}
	return l
}

// Where adds a filter on the items of the page, ANDed with earlier ones.
// It may not name Owner, Tenant or a key attribute of the table or of the
// index (DynamoDB refuses key attributes in a filter; owner and tenant are
// already the key condition): Page then fails with ErrInvalidInput. A
// filter applies after Limit: a page can hold fewer items than Limit, even
// none, and still have a next cursor.
func (l *GuardedList) Where(cond expression.ConditionBuilder) *GuardedList {
	l.where = append(l.where, cond)
	return l
}

// Limit bounds the items DynamoDB reads for one page (before Where), n >= 1.
func (l *GuardedList) Limit(n int32) *GuardedList {
	if n < 1 {
		l.fail(ErrInvalidInput, "Limit needs n >= 1")
	}
	l.limit = n
	return l
}

// Descending returns the items in descending order of the index's sort key
// (ScanIndexForward false).
func (l *GuardedList) Descending() *GuardedList {
	l.descending = true
	return l
}

// After continues the list after the page that returned cursor; "" starts
// from the first page. A cursor that does not decode, belongs to another
// index, another caller or another tenant, or was edited is refused:
// Page fails with ErrInvalidInput and sends nothing. A cursor that passes
// can only continue through the caller's own items.
func (l *GuardedList) After(cursor string) *GuardedList {
	l.start = nil
	if cursor == "" || l.err != nil {
		return l
	}
	key, err := l.g.decodeCursor(cursor)
	if err == nil {
		err = l.g.checkCursorKey(l.caller, key)
	}
	if err != nil {
		l.fail(ErrInvalidInput, err.Error())
		return l
	}
	l.start = key
	return l
}

// Page sends one Query and replaces the contents of out, a pointer to a
// slice of structs or of maps, with the page's items (an empty, non-nil
// slice when there are none). next is the cursor of the following page;
// only next == "" ends the list, and a page can be empty while next is
// set. On an error out holds no items.
//
// An item that is not the caller's (or not in the view's tenant) can only
// come from an index that is not what Schema.OwnerIndex declares: Page
// then fails with an *Error whose Err is nil and returns no items.
func (l *GuardedList) Page(ctx context.Context, out any) (next string, err error) {
	slice, err := listOut(out)
	if err != nil {
		l.fail(ErrInvalidInput, err.Error())
		return "", l.report(ctx, l.err)
	}
	next, err = l.page(ctx, slice)
	if err != nil {
		slice.Set(reflect.MakeSlice(slice.Type(), 0, 0))
		return "", err
	}
	return next, nil
}

// page is Page once out is known to be a slice.
func (l *GuardedList) page(ctx context.Context, slice reflect.Value) (string, error) {
	if l.err != nil {
		return "", l.report(ctx, l.err)
	}
	b := &l.block
	if l.used {
		b = new(queryBlock) // the API may keep the earlier page's input
	}
	in, err := l.fill(b)
	if err != nil {
		return "", l.report(ctx, l.errorf(ErrInvalidInput, err.Error()))
	}
	l.used = true
	res, err := l.g.api.Query(ctx, in)
	if err != nil {
		return "", l.report(ctx, &Error{Op: l.name, Table: l.g.s.Table, Index: -1, Cause: err})
	}
	next, err := l.accept(res)
	if err != nil {
		return "", err
	}
	if err := decodeItems(res.Items, slice); err != nil {
		return "", &Error{Op: l.name, Table: l.g.s.Table, Index: -1, Cause: err}
	}
	return next, nil
}

// Input returns the Query that the next Page would send, without sending
// it, or the error Page would return before sending. The input is the
// builder's own: Page does not reuse it.
func (l *GuardedList) Input() (*dynamodb.QueryInput, error) {
	if l.err != nil {
		return nil, l.err
	}
	in, err := l.fill(new(queryBlock))
	if err != nil {
		return nil, l.errorf(ErrInvalidInput, err.Error())
	}
	return in, nil
}

// fill builds the Query of the page in b.
func (l *GuardedList) fill(b *queryBlock) (*dynamodb.QueryInput, error) {
	g := l.g
	filter, err := g.listFilter(l.where)
	if err != nil {
		return nil, err
	}
	nn, nv := filter.size()
	names := make(map[string]string, 2+nn)
	values := make(map[string]types.AttributeValue, 2+nv)
	names[phOwner] = g.s.Owner
	b.caller.Value = l.caller
	values[vCaller] = &b.caller
	if g.s.Tenant != "" {
		names[phTenant] = g.s.Tenant
		b.tenant.Value = g.tenant
		values[vTenant] = &b.tenant
	}
	b.table, b.index, b.keyCond = g.s.Table, g.list.index, g.list.keyCond
	b.in = dynamodb.QueryInput{
		TableName:                 &b.table,
		IndexName:                 &b.index,
		KeyConditionExpression:    &b.keyCond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ExclusiveStartKey:         l.start,
	}
	if filter != nil {
		filter.merge(names, values)
		b.filter = filter.cond
		b.in.FilterExpression = &b.filter
	}
	if l.limit > 0 {
		b.limit = l.limit
		b.in.Limit = &b.limit
	}
	if l.descending {
		b.in.ScanIndexForward = &b.forward // false
	}
	return &b.in, nil
}

// queryBlock is a QueryInput with what it points to, in one allocation.
type queryBlock struct {
	in                    dynamodb.QueryInput
	table, index, keyCond string
	filter                string
	caller, tenant        types.AttributeValueMemberS
	limit                 int32
	forward               bool
}

// listFilter compiles the Where conditions, refusing any that names an
// attribute of the key condition or a key attribute.
func (g *Guard) listFilter(where []expression.ConditionBuilder) (*userExpr, error) {
	f, err := compileUser(nil, where)
	if err != nil || f == nil {
		return f, err
	}
	for _, name := range topNames(f.cond, f.names) {
		if _, ok := g.list.keys[name]; ok {
			return nil, fmt.Errorf("Where may not name %q: owner, tenant and key attributes are the key condition's", name)
		}
	}
	return f, nil
}

// accept checks the page DynamoDB returned: every item and the last
// evaluated key must be in the caller's list. It returns the next cursor.
func (l *GuardedList) accept(res *dynamodb.QueryOutput) (string, error) {
	misdeclared := func(what string) error {
		return &Error{Op: l.name, Table: l.g.s.Table, Index: -1,
			detail: what + " outside the caller's list came back from index " + l.g.list.index +
				": Schema.OwnerIndex must be a global secondary index whose partition key is Schema.Owner" +
				" (and whose sort key is Schema.Tenant, with tenants)"}
	}
	for _, item := range res.Items {
		if !l.g.listed(l.caller, item) {
			return "", misdeclared("an item")
		}
	}
	if len(res.LastEvaluatedKey) == 0 {
		return "", nil
	}
	if l.g.checkCursorKey(l.caller, res.LastEvaluatedKey) != nil {
		return "", misdeclared("a last evaluated key")
	}
	next, err := l.g.encodeCursor(res.LastEvaluatedKey)
	if err != nil {
		return "", &Error{Op: l.name, Table: l.g.s.Table, Index: -1, Cause: err}
	}
	return next, nil
}

// listed reports whether item may appear in caller's list in this view:
// it is the caller's and, in a tenant view, in the view's tenant. Every
// item of a page passes it before it reaches the caller.
func (g *Guard) listed(caller string, item map[string]types.AttributeValue) bool {
	if !g.owns(caller, item) {
		return false
	}
	if g.tenant != "" {
		t, ok := item[g.s.Tenant].(*types.AttributeValueMemberS)
		return ok && t.Value == g.tenant
	}
	return true
}

// listOut returns the slice out points to, refusing anything but a
// non-nil pointer to a slice of structs or of maps with string keys.
func listOut(out any) (reflect.Value, error) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Slice {
		return reflect.Value{}, errors.New("out must be a non-nil pointer to a slice")
	}
	switch e := v.Elem().Type().Elem(); {
	case e.Kind() == reflect.Struct:
	case e.Kind() == reflect.Map && e.Key().Kind() == reflect.String:
	default:
		return reflect.Value{}, errors.New("out must point to a slice of structs or of maps")
	}
	return v.Elem(), nil
}

var avMapType = reflect.TypeOf(map[string]types.AttributeValue(nil))

// decodeItems sets slice to a fresh slice holding items. A fresh one, so
// that no field of an earlier page's item survives into this page's, and
// a slice the caller kept from that page is not overwritten.
func decodeItems(items []map[string]types.AttributeValue, slice reflect.Value) error {
	s := reflect.MakeSlice(slice.Type(), len(items), len(items))
	if slice.Type().Elem() == avMapType {
		for i, item := range items {
			s.Index(i).Set(reflect.ValueOf(item))
		}
		slice.Set(s)
		return nil
	}
	if len(items) > 0 {
		d := attributevalue.NewDecoder()
		var m types.AttributeValueMemberM // one wrapper, reused for every item
		for i, item := range items {
			m.Value = item
			if err := d.Decode(&m, s.Index(i).Addr().Interface()); err != nil {
				return err
			}
		}
	}
	slice.Set(s)
	return nil
}
