package api_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// routes are every route of the API, with a body each accepts.
var routes = []struct{ method, path, body string }{
	{"POST", "/items", `{"name":"a"}`},
	{"GET", "/items/auth-1", ""},
	{"PUT", "/items/auth-1", `{"name":"a"}`},
	{"PATCH", "/items/auth-1", `{"name":"a"}`},
	{"DELETE", "/items/auth-1", ""},
	{"POST", "/items/auth-1/transfer", `{"to":"bob"}`},
	{"GET", "/items", ""},
	{"POST", "/admin/items/auth-1/close", `{"reason":"test"}`},
}

func TestEveryRoute_withoutAValidBearerToken_answers401AndWritesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "auth-1")
	otherKey, err := api.NewHMACTokens(bytes.Repeat([]byte("o"), 32))
	require.NoError(t, err)
	foreign, err := otherKey.Issue(api.Claims{User: "alice", Tenant: tenant, Admin: true}, time.Hour)
	require.NoError(t, err)
	expired, err := f.tokens.Issue(api.Claims{User: "alice", Tenant: tenant, Admin: true}, -time.Second)
	require.NoError(t, err)
	noTenant := f.token(api.Claims{User: "alice"})
	noTenantAdmin := f.token(api.Claims{User: "alice", Admin: true})
	valid := f.token(api.Claims{User: "alice", Tenant: tenant})
	parts := strings.Split(valid, ".")
	require.Len(t, parts, 3)
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"bob","tenant":"acme"}`)) + "." + parts[1] + "." + parts[2]
	forgedAdmin := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice","tenant":"acme","admin":true}`)) + "." + parts[1] + "." + parts[2]

	auths := map[string]string{
		"none":             "",
		"basic":            "Basic YWxpY2U6cHc=",
		"garbage":          "Bearer not-a-token",
		"empty bearer":     "Bearer ",
		"other key":        "Bearer " + foreign,
		"expired":          "Bearer " + expired,
		"forged user":      "Bearer " + forged,
		"forged admin":     "Bearer " + forgedAdmin,
		"no tenant":        "Bearer " + noTenant,
		"no tenant, admin": "Bearer " + noTenantAdmin,
		"bare token":       valid,
		"user as token":    "Bearer alice",
	}
	for _, rt := range routes {
		for name, auth := range auths {
			var body any
			if rt.body != "" {
				body = rt.body
			}
			r := f.call("", rt.method, rt.path, body, "Authorization", auth)
			require.Equal(t, http.StatusUnauthorized, r.status, "%s %s with %s", rt.method, rt.path, name)
			assert.Equal(t, `Bearer realm="items"`, r.header.Get("WWW-Authenticate"))
			r.problem(t)
		}
	}
	it := f.get("alice", "auth-1").item(t)
	assert.Equal(t, int64(1), it.Version)
	assert.Equal(t, "alice", it.Owner)
}

func TestCallerIdentity_comesOnlyFromTheToken(t *testing.T) {
	f := newFixture(t, nil)
	r := f.call("alice", http.MethodPost, "/items?owner=bob&user=bob&caller=bob",
		`{"id":"who-1","name":"a"}`, "X-User", "bob", "X-Forwarded-User", "bob")
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	assert.Equal(t, "alice", r.item(t).Owner)
	assert.Equal(t, http.StatusNotFound, f.call("bob", http.MethodGet, "/items/who-1?user=alice", nil, "X-User", "alice").status)
}

func TestHMACTokens_verifyReturnsTheIssuedUserAndRefusesAnyChange(t *testing.T) {
	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	issued := api.Claims{User: "alice@example.com", Tenant: "acme", Admin: true}
	tok, err := tokens.Issue(issued, time.Minute)
	require.NoError(t, err)
	got, err := tokens.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, issued, got)

	for i := range tok {
		if tok[i] == '.' {
			continue
		}
		changed := []byte(tok)
		changed[i] ^= 1
		_, err := tokens.Verify(string(changed))
		assert.ErrorIs(t, err, api.ErrBadToken, "byte %d changed", i)
	}
	for _, bad := range []string{"", ".", "..", "a.b.c", tok + "x", tok[:len(tok)-1]} {
		_, err := tokens.Verify(bad)
		assert.ErrorIs(t, err, api.ErrBadToken, "token %q", bad)
	}
}

func TestHMACTokens_refuseShortKeysBadUsersAndExpiredTokens(t *testing.T) {
	_, err := api.NewHMACTokens(make([]byte, 31))
	assert.Error(t, err)

	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	for _, name := range []string{"", "has space", ".dot", strings.Repeat("u", 65)} {
		_, err := tokens.Issue(api.Claims{User: name, Tenant: "acme"}, time.Minute)
		assert.Error(t, err, "user %q", name)
	}
	for _, tn := range []string{"has space", "UPPER", "-dash", strings.Repeat("t", 65)} {
		_, err := tokens.Issue(api.Claims{User: "alice", Tenant: tn}, time.Minute)
		assert.Error(t, err, "tenant %q", tn)
	}
	expired, err := tokens.Issue(user("alice"), -time.Second)
	require.NoError(t, err)
	_, err = tokens.Verify(expired)
	assert.ErrorIs(t, err, api.ErrBadToken)
}
