package api_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreate_withClientID_answers201WithLocationETagAndCallerAsOwner(t *testing.T) {
	f := newFixture(t, nil)
	r := f.call("alice", http.MethodPost, "/items", map[string]any{"id": "item-1", "name": "first", "tags": []string{"x", "y"}})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	assert.Equal(t, "/items/item-1", r.header.Get("Location"))
	assert.Equal(t, `"1"`, r.header.Get("ETag"))
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	it := r.item(t)
	assert.Equal(t, "item-1", it.ID)
	assert.Equal(t, "alice", it.Owner)
	assert.Equal(t, int64(1), it.Version)
	assert.Equal(t, []string{"x", "y"}, it.Tags)
	assert.NotEmpty(t, it.CreatedAt)

	got := f.get("alice", "item-1")
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, it, got.item(t))
}

func TestCreate_withoutID_generatesOneServerSide(t *testing.T) {
	f := newFixture(t, nil)
	r := f.call("alice", http.MethodPost, "/items", map[string]any{"name": "no id"})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	it := r.item(t)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), it.ID)
	assert.Equal(t, "/items/"+it.ID, r.header.Get("Location"))
	assert.Equal(t, http.StatusOK, f.get("alice", it.ID).status)
}

func TestCreate_idTakenByAnotherUser_answers409AndLeavesTheirItem(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "taken")
	r := f.call("bob", http.MethodPost, "/items", map[string]any{"id": "taken", "name": "mine now"})
	require.Equal(t, http.StatusConflict, r.status)
	p := r.problem(t)
	assert.NotContains(t, string(r.body), "alice")
	assert.NotEmpty(t, p.Detail)
	assert.Empty(t, r.header.Get("ETag"), "no version of someone else's item")
	assert.Equal(t, "alice", f.get("alice", "taken").item(t).Owner)
}

func TestGet_ownItem_answers200WithVersionAsETag(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "g-1")
	r := f.get("alice", "g-1")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `"1"`, r.header.Get("ETag"))
	assert.Equal(t, "alice", r.item(t).Owner)
}

func TestGet_someoneElsesItem_answersTheSame404AsAMissingOne(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "private")
	other := f.get("bob", "private")
	missing := f.get("bob", "no-such-item")
	require.Equal(t, http.StatusNotFound, other.status)
	require.Equal(t, http.StatusNotFound, missing.status)
	other.problem(t)
	assert.Equal(t, string(missing.body), string(other.body), "not owner and not found must look alike")
	assert.Equal(t, missing.header.Get("Content-Type"), other.header.Get("Content-Type"))
	assert.Empty(t, other.header.Get("ETag"))
}

func TestGet_malformedID_answers400(t *testing.T) {
	f := newFixture(t, nil)
	for _, id := range []string{"ab", "UPPER", "-dash", "a%20b", "x.y", "%2e%2e"} {
		r := f.get("alice", id)
		assert.Equal(t, http.StatusBadRequest, r.status, "id %q", id)
		r.problem(t)
	}
}

func TestPut_owner_replacesContentBumpsVersionAndKeepsCreatedAt(t *testing.T) {
	f := newFixture(t, nil)
	before := f.create("alice", "put-1")
	r := f.call("alice", http.MethodPut, "/items/put-1", map[string]any{"name": "renamed"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	after := f.get("alice", "put-1").item(t)
	assert.Equal(t, "renamed", after.Name)
	assert.Empty(t, after.Notes, "absent members are cleared by a replace")
	assert.Empty(t, after.Tags)
	assert.Equal(t, int64(2), after.Version)
	assert.Equal(t, before.CreatedAt, after.CreatedAt)
	assert.Equal(t, "alice", after.Owner)
}

func TestPut_ifMatch_currentAnswers200_staleAnswers412WithCurrentETag(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "put-2")
	ok := f.call("alice", http.MethodPut, "/items/put-2", map[string]any{"name": "v2"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusOK, ok.status, "body: %s", ok.body)
	stale := f.call("alice", http.MethodPut, "/items/put-2", map[string]any{"name": "lost"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, stale.status)
	stale.problem(t)
	assert.Equal(t, `"2"`, stale.header.Get("ETag"))
	assert.Equal(t, "v2", f.get("alice", "put-2").item(t).Name)
}

func TestPut_someoneElsesItem_answers404AndChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "put-3")
	r := f.call("bob", http.MethodPut, "/items/put-3", map[string]any{"name": "bob's"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusNotFound, r.status)
	r.problem(t)
	it := f.get("alice", "put-3").item(t)
	assert.Equal(t, "item put-3", it.Name)
	assert.Equal(t, int64(1), it.Version)
}

func TestPatch_owner_changesOnlyTheGivenMembers(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "patch-1")
	r := f.call("alice", http.MethodPatch, "/items/patch-1", `{"notes":null,"tags":["z"]}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	it := r.item(t)
	assert.Equal(t, "item patch-1", it.Name, "name not given, kept")
	assert.Empty(t, it.Notes, "null removes notes")
	assert.Equal(t, []string{"z"}, it.Tags)
	assert.Equal(t, it, f.get("alice", "patch-1").item(t))
}

func TestPatch_staleIfMatch_answers412WithCurrentETagAndChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "patch-2")
	require.Equal(t, http.StatusOK, f.call("alice", http.MethodPatch, "/items/patch-2", `{"name":"v2"}`, "If-Match", `"1"`).status)
	r := f.call("alice", http.MethodPatch, "/items/patch-2", `{"name":"stale"}`, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status)
	r.problem(t)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	for _, bad := range []string{`W/"2"`, `"abc"`, `"1", "2"`} {
		assert.Equal(t, http.StatusPreconditionFailed,
			f.call("alice", http.MethodPatch, "/items/patch-2", `{"name":"x"}`, "If-Match", bad).status, "If-Match %s", bad)
	}
	assert.Equal(t, "v2", f.get("alice", "patch-2").item(t).Name)
}

func TestPatch_someoneElsesItem_answers404AndChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "patch-3")
	r := f.call("bob", http.MethodPatch, "/items/patch-3", `{"name":"bob's"}`)
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, string(f.get("bob", "no-such").body), string(r.body))
	assert.Equal(t, int64(1), f.get("alice", "patch-3").item(t).Version)
}

func TestDelete_owner_answers204AndTheItemIsGone(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "del-1")
	r := f.call("alice", http.MethodDelete, "/items/del-1", nil)
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	assert.Equal(t, http.StatusNotFound, f.get("alice", "del-1").status)
	assert.Equal(t, http.StatusNotFound, f.call("alice", http.MethodDelete, "/items/del-1", nil).status)
}

func TestDelete_staleIfMatch_answers412AndKeepsTheItem(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "del-2")
	require.Equal(t, http.StatusOK, f.call("alice", http.MethodPatch, "/items/del-2", `{"name":"v2"}`).status)
	r := f.call("alice", http.MethodDelete, "/items/del-2", nil, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	assert.Equal(t, http.StatusNoContent, f.call("alice", http.MethodDelete, "/items/del-2", nil, "If-Match", `"2"`).status)
}

func TestDelete_someoneElsesItem_answers404AndKeepsIt(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "del-3")
	r := f.call("bob", http.MethodDelete, "/items/del-3", nil)
	require.Equal(t, http.StatusNotFound, r.status)
	r.problem(t)
	assert.Equal(t, http.StatusOK, f.get("alice", "del-3").status)
}

func TestTransfer_owner_answers204_newOwnerHasIt_oldOwnerGets404(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "tr-1")
	r := f.call("alice", http.MethodPost, "/items/tr-1/transfer", map[string]any{"to": "bob"})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	it := f.get("bob", "tr-1").item(t)
	assert.Equal(t, "bob", it.Owner)
	assert.Equal(t, int64(2), it.Version)
	assert.Equal(t, http.StatusNotFound, f.get("alice", "tr-1").status)
	assert.Equal(t, http.StatusNotFound, f.call("alice", http.MethodPatch, "/items/tr-1", `{"name":"still mine?"}`).status)
	assert.Equal(t, http.StatusNotFound, f.call("alice", http.MethodPost, "/items/tr-1/transfer", map[string]any{"to": "alice"}).status)
}

func TestTransfer_someoneElsesItem_answers404AndKeepsTheOwner(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "tr-2")
	r := f.call("mallory", http.MethodPost, "/items/tr-2/transfer", map[string]any{"to": "mallory"})
	require.Equal(t, http.StatusNotFound, r.status)
	r.problem(t)
	assert.Equal(t, "alice", f.get("alice", "tr-2").item(t).Owner)
}

func TestTransfer_staleIfMatch_answers412(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "tr-3")
	require.Equal(t, http.StatusOK, f.call("alice", http.MethodPatch, "/items/tr-3", `{"name":"v2"}`).status)
	r := f.call("alice", http.MethodPost, "/items/tr-3/transfer", map[string]any{"to": "bob"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status)
	assert.Equal(t, "alice", f.get("alice", "tr-3").item(t).Owner)
}

func TestHealthz_answers200WithoutAToken(t *testing.T) {
	f := newFixture(t, nil)
	r := f.call("", http.MethodGet, "/healthz", nil)
	assert.Equal(t, http.StatusOK, r.status)
}

func TestIfMatch_malformed_answers400SayingHowToQuoteIt_andChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "ifm-1")
	before := f.get("alice", "ifm-1").item(t)
	routes := []struct{ method, path, body string }{
		{http.MethodPut, "/items/ifm-1", `{"name":"put"}`},
		{http.MethodPatch, "/items/ifm-1", `{"name":"patch"}`},
		{http.MethodPost, "/items/ifm-1/transfer", `{"to":"bob"}`},
		{http.MethodDelete, "/items/ifm-1", ""},
	}
	// 1 is the current version: unquoted, it still must not be taken for a
	// stale ETag (412), nor for no precondition at all.
	for _, bad := range []string{`1`, `2`, `garbage`, `"1`, `"1", 2`, `W/1`} {
		for _, rt := range routes {
			var body any
			if rt.body != "" {
				body = rt.body
			}
			r := f.call("alice", rt.method, rt.path, body, "If-Match", bad)
			require.Equal(t, http.StatusBadRequest, r.status, "%s %s with If-Match: %s: %s", rt.method, rt.path, bad, r.body)
			assert.Contains(t, r.problem(t).Detail, `If-Match: "2"`, "the answer shows how to quote it")
		}
	}
	assert.Equal(t, before, f.get("alice", "ifm-1").item(t), "no malformed If-Match changed the item")

	// Quoted, the same version is accepted.
	assert.Equal(t, http.StatusOK, f.call("alice", http.MethodPatch, "/items/ifm-1", `{"name":"quoted"}`, "If-Match", `"1"`).status)
}
