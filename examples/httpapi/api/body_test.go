package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

func TestBadBodies_answer400ProblemJSONAndWriteNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "body-1")
	tests := []struct {
		name, method, path, body, detail string
	}{
		{"create unknown field", "POST", "/items", `{"name":"a","colour":"red"}`, `unknown field "colour"`},
		{"create sets owner", "POST", "/items", `{"name":"a","owner":"bob"}`, `"owner" is set by the server`},
		{"create sets owner in other case", "POST", "/items", `{"name":"a","Owner":"bob"}`, `"Owner" is set by the server`},
		{"create sets version", "POST", "/items", `{"name":"a","version":7}`, `"version" is set by the server`},
		{"create sets created_at", "POST", "/items", `{"name":"a","created_at":"2000-01-01T00:00:00Z"}`, `"created_at" is set by the server`},
		{"create name of wrong type", "POST", "/items", `{"name":42}`, `"name" must be a string`},
		{"create tags of wrong type", "POST", "/items", `{"name":"a","tags":"x"}`, `"tags" must be a array of string`},
		{"create malformed id", "POST", "/items", `{"id":"../x","name":"a"}`, `"id": id must be`},
		{"create id of wrong type", "POST", "/items", `{"id":5,"name":"a"}`, `"id" must be a string`},
		{"create without name", "POST", "/items", `{}`, `"name" must be 1 to`},
		{"create bad tag", "POST", "/items", `{"name":"a","tags":["Not OK"]}`, `"tags" must be distinct`},
		{"malformed JSON", "POST", "/items", `{"name":`, "not valid JSON"},
		{"not an object", "POST", "/items", `["name"]`, "must be a JSON object"},
		{"two objects", "POST", "/items", `{"name":"a"}{"name":"b"}`, "a single JSON object"},
		{"empty body", "POST", "/items", ``, "the body is empty"},
		{"put sets id", "PUT", "/items/body-1", `{"name":"a","id":"other"}`, `"id" is set by the server`},
		{"put sets owner", "PUT", "/items/body-1", `{"name":"a","owner":"bob"}`, `"owner" is set by the server`},
		{"put without name", "PUT", "/items/body-1", `{"notes":"n"}`, `"name" is required`},
		{"patch sets owner", "PATCH", "/items/body-1", `{"owner":"bob"}`, `"owner" is set by the server`},
		{"patch sets version", "PATCH", "/items/body-1", `{"version":9}`, `"version" is set by the server`},
		{"patch sets updated_at", "PATCH", "/items/body-1", `{"updated_at":"x"}`, `"updated_at" is set by the server`},
		{"patch nothing", "PATCH", "/items/body-1", `{}`, "changes nothing"},
		{"patch name null", "PATCH", "/items/body-1", `{"name":null}`, `"name" cannot be null`},
		{"patch notes of wrong type", "PATCH", "/items/body-1", `{"notes":1}`, `"notes" must be a string`},
		{"patch name too long", "PATCH", "/items/body-1", `{"name":"` + strings.Repeat("n", 101) + `"}`, `"name" must be 1 to 100`},
		{"transfer to nobody", "POST", "/items/body-1/transfer", `{"to":""}`, `"to" must be a user id`},
		{"transfer unknown field", "POST", "/items/body-1/transfer", `{"to":"bob","owner":"bob"}`, `"owner" is set by the server`},
		{"malformed path id", "PATCH", "/items/BAD", `{"name":"a"}`, "id must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.call("alice", tt.method, tt.path, tt.body)
			require.Equal(t, http.StatusBadRequest, r.status, "body: %s", r.body)
			assert.Contains(t, r.problem(t).Detail, tt.detail)
		})
	}
	it := f.get("alice", "body-1").item(t)
	assert.Equal(t, int64(1), it.Version, "no bad request wrote anything")
	assert.Equal(t, "alice", it.Owner)
}

func TestOversizedBody_answers413(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "big-1")
	big := `{"name":"a","notes":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`
	for _, c := range []struct{ method, path string }{{"POST", "/items"}, {"PUT", "/items/big-1"}, {"PATCH", "/items/big-1"}} {
		r := f.call("alice", c.method, c.path, big)
		require.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%s %s", c.method, c.path)
		assert.Contains(t, r.problem(t).Detail, "larger than")
	}
	assert.Equal(t, int64(1), f.get("alice", "big-1").item(t).Version)
}

func TestBodyThatIsNotJSON_answers415(t *testing.T) {
	f := newFixture(t, nil)
	r := f.call("alice", http.MethodPost, "/items", `name=a`, "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusUnsupportedMediaType, r.status)
	r.problem(t)
	ok := f.call("alice", http.MethodPost, "/items", `{"name":"a"}`, "Content-Type", "application/json; charset=utf-8")
	assert.Equal(t, http.StatusCreated, ok.status, "parameters of application/json are fine")
}
