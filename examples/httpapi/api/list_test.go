package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// page is the body of GET /items, with whether "next" was in it at all.
type page struct {
	Items   []api.Item `json:"items"`
	Next    string     `json:"next"`
	hasNext bool
}

// page decodes a GET /items answer.
func (r reply) page(t *testing.T) page {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	var p page
	require.NoError(t, json.Unmarshal(r.body, &p))
	var members map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.body, &members))
	_, p.hasNext = members["next"]
	require.NotNil(t, p.Items, `"items" is an array, never null: %s`, r.body)
	return p
}

// listAll walks GET /items as c with limit until next is absent and
// returns the ids seen, in order, and the number of pages.
func (f *fixture) listAll(c api.Claims, limit int) (ids []string, pages int) {
	f.t.Helper()
	cursor := ""
	for pages = 1; pages <= 100; pages++ {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		p := f.callAs(c, http.MethodGet, "/items?"+q.Encode(), nil).page(f.t)
		assert.LessOrEqual(f.t, len(p.Items), limit)
		for _, it := range p.Items {
			assert.Equal(f.t, c.User, it.Owner)
			assert.Equal(f.t, c.Tenant, it.Tenant)
			ids = append(ids, it.ID)
		}
		if !p.hasNext {
			return ids, pages
		}
		require.NotEmpty(f.t, p.Next, `"next" is left out at the end, never empty`)
		cursor = p.Next
	}
	f.t.Fatal("more than 100 pages")
	return nil, 0
}

func TestList_pagesThroughTheCallersOwnItemsInTheTenant_eachExactlyOnce(t *testing.T) {
	f := newFixture(t, nil)
	alice, bob, aliceElsewhere := user("alice"), user("bob"), api.Claims{User: "alice", Tenant: "globex"}
	var want []string
	for i := range 5 {
		id := fmt.Sprintf("list-a%d", i)
		f.createAs(alice, id)
		want = append(want, id)
	}
	f.createAs(bob, "list-b0")
	f.createAs(bob, "list-b1")
	f.createAs(aliceElsewhere, "list-a0") // the same user id and item id in another tenant
	f.createAs(aliceElsewhere, "list-g0")

	got, pages := f.listAll(alice, 2)
	sort.Strings(got)
	assert.Equal(t, want, got, "every one of alice's acme items, once, and nothing else")
	assert.GreaterOrEqual(t, pages, 3)

	got, _ = f.listAll(aliceElsewhere, 100)
	sort.Strings(got)
	assert.Equal(t, []string{"list-a0", "list-g0"}, got, "the same user in another tenant is someone else")
	got, _ = f.listAll(bob, 1)
	sort.Strings(got)
	assert.Equal(t, []string{"list-b0", "list-b1"}, got)
}

func TestList_withoutLimit_answersAtMost20ItemsAndANext(t *testing.T) {
	f := newFixture(t, nil)
	for i := range 21 {
		f.create("alice", fmt.Sprintf("many-%02d", i))
	}
	p := f.call("alice", http.MethodGet, "/items", nil).page(t)
	assert.Len(t, p.Items, 20)
	require.NotEmpty(t, p.Next)
	rest := f.call("alice", http.MethodGet, "/items?cursor="+url.QueryEscape(p.Next), nil).page(t)
	require.Len(t, rest.Items, 1)
	assert.NotContains(t, itemIDs(p.Items), rest.Items[0].ID)
}

func TestList_noItems_answersAnEmptyArrayAndNoNext(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "not-bobs")
	r := f.call("bob", http.MethodGet, "/items", nil)
	p := r.page(t)
	assert.Empty(t, p.Items)
	assert.False(t, p.hasNext)
	assert.JSONEq(t, `{"items":[]}`, string(r.body))
}

func TestList_ownerOrTenantInTheQuery_changesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "query-1")
	for _, q := range []string{"?owner=alice", "?user=alice&tenant=acme", "?owner=alice&tenant=globex&limit=5"} {
		p := f.call("bob", http.MethodGet, "/items"+q, nil).page(t)
		assert.Empty(t, p.Items, "bob %s", q)
	}
}

func TestList_badLimit_answers400(t *testing.T) {
	f := newFixture(t, nil)
	for _, q := range []string{"limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1.5", "limit=", "limit=1e2",
		"limit=%205", "limit=2&limit=3", "limit=99999999999999999999"} {
		r := f.call("alice", http.MethodGet, "/items?"+q, nil)
		require.Equal(t, http.StatusBadRequest, r.status, q)
		assert.Contains(t, r.problem(t).Detail, `"limit" must be one integer from 1 to 100`, q)
	}
	for _, q := range []string{"limit=1", "limit=100"} {
		assert.Equal(t, http.StatusOK, f.call("alice", http.MethodGet, "/items?"+q, nil).status, q)
	}
}

// firstCursor creates items for c and returns the next of their first
// one-item page.
func (f *fixture) firstCursor(c api.Claims, ids ...string) string {
	f.t.Helper()
	for _, id := range ids {
		f.createAs(c, id)
	}
	p := f.callAs(c, http.MethodGet, "/items?limit=1", nil).page(f.t)
	require.NotEmpty(f.t, p.Next)
	return p.Next
}

func TestList_cursorOfAnotherUserOrTenant_answers400AndListsNothing(t *testing.T) {
	f := newFixture(t, nil)
	cursor := f.firstCursor(user("alice"), "cur-1", "cur-2", "cur-3")
	f.create("bob", "cur-b")
	f.audit.reset()
	for _, c := range []api.Claims{user("bob"), {User: "alice", Tenant: "globex"}, {User: "bob", Tenant: "globex", Admin: true}} {
		r := f.callAs(c, http.MethodGet, "/items?cursor="+url.QueryEscape(cursor), nil)
		require.Equal(t, http.StatusBadRequest, r.status, "%+v: %s", c, r.body)
		assert.Equal(t, `"cursor" is not valid for this list: start again without it`, r.problem(t).Detail)
		assert.NotContains(t, string(r.body), "cur-")
	}
	// Each refusal is on the audit trail, naming who tried, without the
	// cursor or anything it holds.
	lines, text := f.audit.lines(t)
	require.Len(t, lines, 3, text)
	assert.Equal(t, "list", lines[0]["op"])
	assert.Equal(t, "bob", lines[0]["caller"])
	assert.Equal(t, tenant, lines[0]["tenant"])
	assert.Equal(t, "ddbguard: invalid input", lines[0]["reason"])
	assert.NotContains(t, text, cursor)
	assert.NotContains(t, text, "cur-")

	// Alice's own cursor still continues her list.
	p := f.call("alice", http.MethodGet, "/items?limit=5&cursor="+url.QueryEscape(cursor), nil).page(t)
	assert.Len(t, p.Items, 2)
}

func TestList_forgedEditedOrGarbageCursor_answers400(t *testing.T) {
	f := newFixture(t, nil)
	cursor := f.firstCursor(user("alice"), "edit-1", "edit-2")
	edited := []byte(cursor)
	edited[len(edited)/2] ^= 1
	for _, bad := range []string{string(edited), cursor[:len(cursor)-1], cursor + "A", "garbage", "eyJ2IjoxfQ",
		strings.Repeat("A", 8000)} {
		r := f.call("alice", http.MethodGet, "/items?cursor="+url.QueryEscape(bad), nil)
		require.Equal(t, http.StatusBadRequest, r.status, "cursor %.40q: %s", bad, r.body)
		r.problem(t)
	}
	r := f.call("alice", http.MethodGet, "/items?cursor=", nil)
	assert.Equal(t, http.StatusBadRequest, r.status, "an empty cursor is no cursor: leave it out")
}

func TestList_cursorSealedUnderAnotherKey_answers400(t *testing.T) {
	f := newFixture(t, nil)
	cursor := f.firstCursor(user("alice"), "key-1", "key-2")
	// The same table behind a server restarted with another cursor key.
	other := startServer(t, api.Config{DB: f.db, Table: f.table, CursorKey: []byte(strings.Repeat("x", 32))})
	r := other.call("alice", http.MethodGet, "/items?cursor="+url.QueryEscape(cursor), nil)
	require.Equal(t, http.StatusBadRequest, r.status)
	r.problem(t)
	assert.Len(t, other.call("alice", http.MethodGet, "/items", nil).page(t).Items, 2)
}

func itemIDs(items []api.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// On the mock: one page is one Query on the owner index, keyed by the
// token's user and tenant, whatever the query string says.
func TestList_onTheMock_sendsOneQueryOnTheOwnerIndexForTheTokensUserAndTenant(t *testing.T) {
	db := new(ddbguardtest.API)
	db.On("Query", mock.Anything, mock.Anything).Return(&dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{
		ddbguardtest.Item(map[string]any{"tenant": "acme", "id": "m-1", "owner": "alice", "version": 1, "name": "one"}),
	}}, nil)
	f := startServer(t, api.Config{DB: db, Table: "items"})

	p := f.call("alice", http.MethodGet, "/items?limit=7&owner=bob&tenant=globex", nil).page(t)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "m-1", p.Items[0].ID)
	assert.False(t, p.hasNext)
	require.Equal(t, 1, db.Requests())
	in := db.LastInput().(*dynamodb.QueryInput)
	assert.Equal(t, api.OwnerIndex, aws.ToString(in.IndexName))
	assert.Equal(t, int32(7), aws.ToInt32(in.Limit))
	values := map[string]bool{}
	for _, v := range in.ExpressionAttributeValues {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			values[s.Value] = true
		}
	}
	assert.Equal(t, map[string]bool{"alice": true, "acme": true}, values)
}

func TestList_badCursorOrLimit_onTheMock_sendsNothing(t *testing.T) {
	db := new(ddbguardtest.API)
	f := startServer(t, api.Config{DB: db, Table: "items"})
	for _, q := range []string{"cursor=garbage", "limit=0", "limit=x"} {
		assert.Equal(t, http.StatusBadRequest, f.call("alice", http.MethodGet, "/items?"+q, nil).status, q)
	}
	assert.Equal(t, 0, db.Requests())
}
