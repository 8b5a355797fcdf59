package ddbguard_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// itListDoc is an item of the List tests' tables.
type itListDoc struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk,omitempty"`
	Owner   string `dynamodbav:"owner"`
	Tenant  string `dynamodbav:"tenant,omitempty"`
	Created int    `dynamodbav:"created"`
	Status  string `dynamodbav:"status"`
}

// itListOwners take turns owning the seeded items, so that every owner's
// items are interleaved with the others' in the table.
var itListOwners = []string{"alice", "bob", "carol"}

// itListTable creates a table for s on DynamoDB Local with its owner index
// and seeds n items: item i is "doc-i", owned by itListOwners[i%3], created
// at i, with status "open" when open(i). It returns a Guard whose requests
// are counted, and the raw client.
func itListTable(t *testing.T, s ddbguard.Schema, n int, open func(i int) bool, opts ...ddbguard.Option) (*ddbguard.Guard, *itCounting, *dynamodb.Client, []itListDoc) {
	t.Helper()
	if s.PartitionKey == "" {
		s.PartitionKey = "pk"
	}
	raw, s := ddbguardtest.LocalTable(t, s)
	docs := make([]itListDoc, n)
	for i := range docs {
		docs[i] = itListDoc{PK: fmt.Sprintf("doc-%02d", i), Owner: itListOwners[i%len(itListOwners)], Created: i, Status: "closed"}
		if s.SortKey != "" {
			docs[i].SK = fmt.Sprintf("v-%02d", i)
		}
		if open != nil && open(i) {
			docs[i].Status = "open"
		}
		itListPut(t, raw, s.Table, docs[i])
	}
	c := itCount(raw)
	g, err := ddbguard.New(c, s, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g, c, raw, docs
}

// itListPut writes doc with a raw PutItem, bypassing the guard.
func itListPut(t *testing.T, raw *dynamodb.Client, table string, doc itListDoc) {
	t.Helper()
	item, err := attributevalue.MarshalMap(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.PutItem(itCtx(t), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("seed %s: %v", doc.PK, err)
	}
}

// itListAll pages through l to the end, checking that every page is one
// Query and holds only caller's items, and returns the items in the order
// the pages gave them, and the number of pages.
func itListAll(t *testing.T, g *ddbguard.Guard, c *itCounting, caller string, build func(*ddbguard.GuardedList) *ddbguard.GuardedList) ([]itListDoc, int) {
	t.Helper()
	var all []itListDoc
	cursor, pages := "", 0
	for {
		l := g.List(caller).After(cursor)
		if build != nil {
			l = build(l)
		}
		var page []itListDoc
		next, err := l.Page(itCtx(t), &page)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		c.expect(t, "Query", 1)
		pages++
		for _, d := range page {
			if d.Owner != caller {
				t.Fatalf("page %d holds %s's item %s", pages, d.Owner, d.PK)
			}
		}
		all = append(all, page...)
		if next == "" {
			return all, pages
		}
		if pages > 100 {
			t.Fatal("the list does not end")
		}
		cursor = next
	}
}

// itListPKs returns the keys of docs, in order.
func itListPKs(docs []itListDoc, keep func(itListDoc) bool) []string {
	var pks []string
	for _, d := range docs {
		if keep(d) {
			pks = append(pks, d.PK)
		}
	}
	return pks
}

func TestIT_List_pagesHoldOnlyTheCallersItems_eachOnce(t *testing.T) {
	t.Parallel()
	sorted := ddbguard.Schema{OwnerIndex: "by_owner", OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN}
	tests := []struct {
		name       string
		schema     ddbguard.Schema
		descending bool
		opts       []ddbguard.Option
	}{
		{name: "index without sort key", schema: ddbguard.Schema{OwnerIndex: "by_owner"}},
		{name: "index sorted by created", schema: sorted},
		{name: "index sorted by created, descending", schema: sorted, descending: true},
		{name: "sealed cursors", schema: sorted, opts: []ddbguard.Option{ddbguard.WithCursorKey(uCursorKey(7))}},
		{name: "index sorted by the table's sort key", schema: ddbguard.Schema{SortKey: "sk", OwnerIndex: "by_owner", OwnerIndexSortKey: "sk"}},
		{name: "index sorted by the table's sort key, descending", schema: ddbguard.Schema{SortKey: "sk", OwnerIndex: "by_owner", OwnerIndexSortKey: "sk"}, descending: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, c, _, docs := itListTable(t, tt.schema, 20, nil, tt.opts...)
			for _, caller := range itListOwners {
				got, pages := itListAll(t, g, c, caller, func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
					if tt.descending {
						l = l.Descending()
					}
					return l.Limit(2)
				})
				want := itListPKs(docs, func(d itListDoc) bool { return d.Owner == caller })
				gotPKs := itListPKs(got, func(itListDoc) bool { return true })
				if tt.schema.OwnerIndexSortKey == "" {
					slices.Sort(gotPKs)
				} else if tt.descending {
					slices.Reverse(want)
				}
				if !slices.Equal(gotPKs, want) {
					t.Errorf("%s's pages: %v, want each of %v once, in order", caller, gotPKs, want)
				}
				if pages < len(want)/2 {
					t.Errorf("%s: %d pages for %d items at Limit 2", caller, pages, len(want))
				}
			}
		})
	}
}

func TestIT_List_where_filtersAndMayLeaveEmptyPagesWithNext(t *testing.T) {
	t.Parallel()
	s := ddbguard.Schema{OwnerIndex: "by_owner", OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN}
	// alice owns 0, 3, 6, …: her first four items are closed.
	g, c, _, docs := itListTable(t, s, 30, func(i int) bool { return i >= 12 && i%2 == 0 })

	var first []itListDoc
	next, err := g.List("alice").Limit(2).Where(expression.Name("status").Equal(expression.Value("open"))).Page(itCtx(t), &first)
	if err != nil || len(first) != 0 || next == "" || first == nil {
		t.Fatalf("first page: %v items, next %q, err %v; want an empty non-nil page with a next cursor", first, next, err)
	}
	c.expect(t, "Query", 1)

	got, _ := itListAll(t, g, c, "alice", func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
		return l.Limit(2).Where(expression.Name("status").Equal(expression.Value("open")))
	})
	want := itListPKs(docs, func(d itListDoc) bool { return d.Owner == "alice" && d.Status == "open" })
	if gotPKs := itListPKs(got, func(itListDoc) bool { return true }); !slices.Equal(gotPKs, want) || len(want) == 0 {
		t.Errorf("alice's open items: %v, want %v", gotPKs, want)
	}
}

func TestIT_List_cursorOfAnotherUser_isRefusedWithoutRequest(t *testing.T) {
	t.Parallel()
	s := ddbguard.Schema{OwnerIndex: "by_owner", OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN}
	for name, opts := range map[string][]ddbguard.Option{"plain": nil, "sealed": {ddbguard.WithCursorKey(uCursorKey(3))}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g, c, _, _ := itListTable(t, s, 12, nil, opts...)
			var alices []itListDoc
			cursor, err := g.List("alice").Limit(1).Page(itCtx(t), &alices)
			if err != nil || cursor == "" {
				t.Fatalf("alice's first page: next %q, err %v", cursor, err)
			}
			c.expect(t, "Query", 1)

			bobs := []itListDoc{{PK: "left over"}}
			next, err := g.List("bob").After(cursor).Page(itCtx(t), &bobs)
			itWantErr(t, err, ddbguard.ErrInvalidInput)
			c.expect(t, "", 0)
			if next != "" || len(bobs) != 0 {
				t.Errorf("bob got next %q and items %v from alice's cursor", next, bobs)
			}
			itNoLeak(t, err, "alice", "doc-00")

			// Alice's own cursor still continues her list.
			var more []itListDoc
			if _, err := g.List("alice").Limit(1).After(cursor).Page(itCtx(t), &more); err != nil || len(more) != 1 || more[0].PK != "doc-03" {
				t.Errorf("alice's second page: %v, %v", more, err)
			}
			c.expect(t, "Query", 1)
		})
	}
}

func TestIT_List_cursorNamingAnotherUsersItem_onlyContinuesThroughTheCallersOwn(t *testing.T) {
	t.Parallel()
	s := ddbguard.Schema{OwnerIndex: "by_owner", OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN}
	g, c, raw, docs := itListTable(t, s, 12, nil)
	// Bob writes a plain cursor by hand that names alice's doc-03 under his
	// own name: it passes (it is his), and can only walk his own items.
	forged := ddbguard.PlainCursorForTest(1, "by_owner", []string{"created", "owner", "pk"}, ddbguardtest.Item(map[string]any{
		"created": 3, "owner": "bob", "pk": "doc-03"}))
	var page []itListDoc
	next, err := g.List("bob").After(forged).Page(itCtx(t), &page)
	if err != nil {
		t.Fatalf("bob's page after his own forged cursor: %v", err)
	}
	c.expect(t, "Query", 1)
	want := itListPKs(docs, func(d itListDoc) bool { return d.Owner == "bob" && d.Created > 3 })
	if got := itListPKs(page, func(itListDoc) bool { return true }); !slices.Equal(got, want) || next != "" {
		t.Errorf("bob's page: %v (next %q), want only his own items after position 3: %v", got, next, want)
	}
	// The item the cursor named is untouched and still alice's.
	tb := &itTable{raw: raw, name: g.Schema().Table, pk: "pk"}
	if got := tb.decode(t, ddbguard.Key{PK: "doc-03"}); got["owner"] != "alice" {
		t.Errorf("doc-03 is now %v", got)
	}
}

// itRewriter is an API wrapper that sends every Query with another
// caller's id: a middleware bug that only the re-check in Go can catch.
type itRewriter struct {
	ddbguard.API
	as string
}

func (r itRewriter) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ExpressionAttributeValues[":gc"] = &types.AttributeValueMemberS{Value: r.as}
	return r.API.Query(ctx, in, optFns...)
}

func TestIT_List_misdeclaredIndex_failsThePageWithNoItems(t *testing.T) {
	t.Parallel()
	t.Run("index keyed by another attribute", func(t *testing.T) {
		t.Parallel()
		raw, s := ddbguardtest.LocalTable(t, ddbguard.Schema{PartitionKey: "pk", OwnerIndex: "by_team", Owner: "team"})
		itListPut(t, raw, s.Table, itListDoc{PK: "doc-1", Owner: "alice"})
		s.Owner = "owner" // the index is keyed by team, not by the owner
		c := itCount(raw)
		g, err := ddbguard.New(c, s)
		if err != nil {
			t.Fatal(err)
		}
		page := []itListDoc{{PK: "left over"}}
		next, err := g.List("alice").Page(itCtx(t), &page)
		itWantSDKErr(t, err)
		c.expect(t, "Query", 1)
		if next != "" || len(page) != 0 {
			t.Errorf("next %q, items %v", next, page)
		}
	})
	t.Run("items of another owner come back", func(t *testing.T) {
		t.Parallel()
		raw, s := ddbguardtest.LocalTable(t, ddbguard.Schema{PartitionKey: "pk", OwnerIndex: "by_owner"})
		itListPut(t, raw, s.Table, itListDoc{PK: "doc-1", Owner: "bob", Status: "bob's secret"})
		c := itCount(itRewriter{API: raw, as: "bob"})
		g, err := ddbguard.New(c, s)
		if err != nil {
			t.Fatal(err)
		}
		var page []itListDoc
		next, err := g.List("alice").Limit(1).Page(itCtx(t), &page)
		e := uAsError(t, err)
		c.expect(t, "Query", 1)
		if e.Err != nil || e.Cause != nil || !strings.Contains(err.Error(), "OwnerIndex") {
			t.Errorf("err %v (Err %v, Cause %v): want Err nil and a message naming OwnerIndex", err, e.Err, e.Cause)
		}
		if next != "" || len(page) != 0 || page == nil {
			t.Errorf("next %q, items %v: want no cursor and an empty page", next, page)
		}
		itNoLeak(t, err, "bob")
	})
}

func TestIT_List_tenantView_listsOnlyItsTenant_andBindsCursorsToIt(t *testing.T) {
	t.Parallel()
	raw, s := ddbguardtest.LocalTable(t, ddbguard.Schema{PartitionKey: "pk", OwnerIndex: "by_owner", Tenant: "tenant"})
	// One owner id in two tenants is two people.
	for i, tenant := range []string{"acme", "globex", "acme", "globex", "acme", "acme"} {
		itListPut(t, raw, s.Table, itListDoc{PK: fmt.Sprintf("doc-%d", i), Owner: "alice", Tenant: tenant})
	}
	c := itCount(raw)
	g, err := ddbguard.New(c, s)
	if err != nil {
		t.Fatal(err)
	}
	var page []itListDoc
	_, err = g.List("alice").Page(itCtx(t), &page)
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)

	acme, globex := g.ForTenant("acme"), g.ForTenant("globex")
	got, _ := itListAll(t, acme, c, "alice", func(l *ddbguard.GuardedList) *ddbguard.GuardedList { return l.Limit(1) })
	pks := itListPKs(got, func(d itListDoc) bool { return d.Tenant == "acme" })
	slices.Sort(pks)
	if len(got) != 4 || !slices.Equal(pks, []string{"doc-0", "doc-2", "doc-4", "doc-5"}) {
		t.Errorf("acme's list: %v", got)
	}
	cursor, err := acme.List("alice").Limit(1).Page(itCtx(t), &page)
	if err != nil || cursor == "" {
		t.Fatalf("acme page: %q, %v", cursor, err)
	}
	c.expect(t, "Query", 1)
	_, err = globex.List("alice").After(cursor).Page(itCtx(t), &page)
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)
	if len(page) != 0 {
		t.Errorf("globex got %v from acme's cursor", page)
	}
}

func TestIT_List_itemTransferredMidList_leavesTheOldOwnersPagesAndJoinsTheNewOwners(t *testing.T) {
	t.Parallel()
	s := ddbguard.Schema{OwnerIndex: "by_owner", OwnerIndexSortKey: "created", OwnerIndexSortKeyType: types.ScalarAttributeTypeN}
	g, c, raw, _ := itListTable(t, s, 12, nil)
	// Alice's first page ends at doc-03; she then hands doc-03 and doc-06
	// to bob, and continues from a cursor that names an item now his.
	var page []itListDoc
	cursor, err := g.List("alice").Limit(2).Page(itCtx(t), &page)
	if err != nil || cursor == "" || page[1].PK != "doc-03" {
		t.Fatalf("alice's first page: %v, next %q, %v", page, cursor, err)
	}
	for _, pk := range []string{"doc-03", "doc-06"} {
		if err := g.Transfer("alice", ddbguard.Key{PK: pk}, "bob").Run(itCtx(t)); err != nil {
			t.Fatalf("transfer %s: %v", pk, err)
		}
	}
	c.Reset()

	rest, _ := itListAll(t, g, c, "alice", func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
		return l.Limit(2).After(cursor)
	})
	if got := itListPKs(rest, func(itListDoc) bool { return true }); !slices.Equal(got, []string{"doc-09"}) {
		t.Errorf("alice's pages after the transfer: %v, want only doc-09", got)
	}
	_, err = g.List("bob").After(cursor).Page(itCtx(t), &page)
	itWantErr(t, err, ddbguard.ErrInvalidInput)
	c.expect(t, "", 0)

	bobs, _ := itListAll(t, g, c, "bob", func(l *ddbguard.GuardedList) *ddbguard.GuardedList { return l.Limit(3) })
	if got := itListPKs(bobs, func(d itListDoc) bool { return d.PK == "doc-03" || d.PK == "doc-06" }); len(got) != 2 {
		t.Errorf("bob's list lacks the items he received: %v", bobs)
	}
	tb := &itTable{raw: raw, name: g.Schema().Table, pk: "pk"}
	if got := tb.decode(t, ddbguard.Key{PK: "doc-03"}); got["owner"] != "bob" {
		t.Errorf("doc-03 is stored as %v", got)
	}
}
