package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

func TestTenants_sameIDInTwoTenants_isTwoItems(t *testing.T) {
	f := newFixture(t, nil)
	acme, globex := user("alice"), api.Claims{User: "alice", Tenant: "globex"}
	a := f.callAs(acme, http.MethodPost, "/items", map[string]any{"id": "shared", "name": "acme's"})
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	g := f.callAs(globex, http.MethodPost, "/items", map[string]any{"id": "shared", "name": "globex's"})
	require.Equal(t, http.StatusCreated, g.status, "the id is free in globex: %s", g.body)

	assert.Equal(t, "acme's", f.callAs(acme, http.MethodGet, "/items/shared", nil).item(t).Name)
	assert.Equal(t, "globex's", f.callAs(globex, http.MethodGet, "/items/shared", nil).item(t).Name)
	require.Equal(t, http.StatusNoContent, f.callAs(globex, http.MethodDelete, "/items/shared", nil).status)
	assert.Equal(t, "acme's", f.callAs(acme, http.MethodGet, "/items/shared", nil).item(t).Name,
		"deleting globex's item leaves acme's")
}

func TestTenants_anotherTenantsUsers_get404OnEveryRoute_andTheItemIsUnchanged(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "tn-1")
	before := f.raw(tenant, "tn-1")
	require.NotNil(t, before)
	missing := f.callAs(api.Claims{User: "mallory", Tenant: "globex"}, http.MethodGet, "/items/no-such-item", nil)
	require.Equal(t, http.StatusNotFound, missing.status)

	// The same user id in the other tenant is another person, and so is an
	// admin of the other tenant on the routes of users.
	for _, c := range []api.Claims{
		{User: "alice", Tenant: "globex"},
		{User: "mallory", Tenant: "globex"},
		{User: "root", Tenant: "globex", Admin: true},
	} {
		for _, rt := range []struct{ method, path, body string }{
			{http.MethodGet, "/items/tn-1", ""},
			{http.MethodPut, "/items/tn-1", `{"name":"taken over"}`},
			{http.MethodPatch, "/items/tn-1", `{"name":"taken over"}`},
			{http.MethodDelete, "/items/tn-1", ""},
			{http.MethodPost, "/items/tn-1/transfer", `{"to":"mallory"}`},
		} {
			var body any
			if rt.body != "" {
				body = rt.body
			}
			r := f.callAs(c, rt.method, rt.path, body)
			require.Equal(t, http.StatusNotFound, r.status, "%+v %s %s: %s", c, rt.method, rt.path, r.body)
			assert.Equal(t, string(missing.body), string(r.body), "the same answer as for a missing id")
			assert.Empty(t, r.header.Get("ETag"))
		}
		// With If-Match too: no 412 that would tell a version exists.
		r := f.callAs(c, http.MethodPatch, "/items/tn-1", `{"name":"x"}`, "If-Match", `"1"`)
		assert.Equal(t, http.StatusNotFound, r.status)
	}
	assert.Equal(t, before, f.raw(tenant, "tn-1"), "the stored item is exactly as it was")
	assert.Nil(t, f.raw("globex", "tn-1"), "nothing was created in the other tenant")
	assert.Equal(t, "alice", f.get("alice", "tn-1").item(t).Owner)
}

func TestTenants_createStampsTheTokensTenant_andABodyCannotNameOne(t *testing.T) {
	f := newFixture(t, nil)
	it := f.create("alice", "stamp-1")
	assert.Equal(t, tenant, it.Tenant)
	raw := f.raw(tenant, "stamp-1")
	require.NotNil(t, raw)

	r := f.call("alice", http.MethodPost, "/items", `{"id":"stamp-2","name":"a","tenant":"globex"}`)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.problem(t).Detail, `"tenant" is set by the server`)
	r = f.call("alice", http.MethodPatch, "/items/stamp-1", `{"tenant":"globex"}`)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Nil(t, f.raw("globex", "stamp-2"))
	assert.Nil(t, f.raw(tenant, "stamp-2"))
}

func TestTenants_transferStaysInTheTenant(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "tn-tr")
	r := f.call("alice", http.MethodPost, "/items/tn-tr/transfer", map[string]any{"to": "bob"})
	require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
	assert.Equal(t, "bob", f.get("bob", "tn-tr").item(t).Owner)
	// bob of globex is not bob of acme.
	assert.Equal(t, http.StatusNotFound, f.callAs(api.Claims{User: "bob", Tenant: "globex"}, http.MethodGet, "/items/tn-tr", nil).status)
}
