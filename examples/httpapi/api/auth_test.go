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
}

func TestEveryRoute_withoutAValidBearerToken_answers401AndWritesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "auth-1")
	otherKey, err := api.NewHMACTokens(bytes.Repeat([]byte("o"), 32))
	require.NoError(t, err)
	foreign, err := otherKey.Issue("alice", time.Hour)
	require.NoError(t, err)
	expired, err := f.tokens.Issue("alice", -time.Second)
	require.NoError(t, err)
	valid := f.token("alice")
	parts := strings.Split(valid, ".")
	require.Len(t, parts, 3)
	forged := base64.RawURLEncoding.EncodeToString([]byte("bob")) + "." + parts[1] + "." + parts[2]

	auths := map[string]string{
		"none":          "",
		"basic":         "Basic YWxpY2U6cHc=",
		"garbage":       "Bearer not-a-token",
		"empty bearer":  "Bearer ",
		"other key":     "Bearer " + foreign,
		"expired":       "Bearer " + expired,
		"forged user":   "Bearer " + forged,
		"bare token":    valid,
		"user as token": "Bearer alice",
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
	tok, err := tokens.Issue("alice@example.com", time.Minute)
	require.NoError(t, err)
	user, err := tokens.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", user)

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
	for _, user := range []string{"", "has space", ".dot", strings.Repeat("u", 65)} {
		_, err := tokens.Issue(user, time.Minute)
		assert.Error(t, err, "user %q", user)
	}
	expired, err := tokens.Issue("alice", -time.Second)
	require.NoError(t, err)
	_, err = tokens.Verify(expired)
	assert.ErrorIs(t, err, api.ErrBadToken)
}
