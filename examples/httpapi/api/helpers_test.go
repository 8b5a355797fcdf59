package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// TestMain says, once, how many tests needed DynamoDB and were skipped.
func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }

// testKey keys the tokens of the tests.
var testKey = bytes.Repeat([]byte("k"), 32)

// fixture is a server on its own table of DynamoDB Local.
type fixture struct {
	t      *testing.T
	url    string
	tokens *api.HMACTokens
	db     *dynamodb.Client
	table  string
}

// newFixture starts a server on a new table. wrap, if not nil, wraps the
// client the server uses, to inject interleavings.
func newFixture(t *testing.T, wrap func(ddbguard.API) ddbguard.API) *fixture {
	t.Helper()
	// A fresh table on DynamoDB Local, dropped when the test ends.
	db, s := ddbguardtest.LocalTable(t, ddbguard.Schema{Table: "httpapi", PartitionKey: "id"})
	table := s.Table
	var through ddbguard.API = db
	if wrap != nil {
		through = wrap(db)
	}
	f := startServer(t, api.Config{DB: through, Table: table, Timeout: 5 * time.Second})
	f.db, f.table = db, table
	return f
}

// startServer serves the API configured by cfg (whose DB may be a fake),
// with the tests' token key.
func startServer(t *testing.T, cfg api.Config) *fixture {
	t.Helper()
	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	cfg.Tokens = tokens
	h, err := api.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, url: srv.URL, tokens: tokens}
}

// reply is a response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes a problem+json body, failing the test if it is not one.
func (r reply) problem(t *testing.T) api.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var p api.Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	require.Equal(t, r.status, p.Status)
	require.Equal(t, http.StatusText(r.status), p.Title)
	return p
}

// item decodes an item body.
func (r reply) item(t *testing.T) api.Item {
	t.Helper()
	require.Equal(t, "application/json", r.header.Get("Content-Type"), "status %d, body: %s", r.status, r.body)
	var it api.Item
	require.NoError(t, json.Unmarshal(r.body, &it))
	return it
}

// call sends a request as user ("" for none) and fails the test if it
// cannot. body is sent as is when it is a string, JSON-encoded otherwise;
// headers are name, value pairs.
func (f *fixture) call(user, method, path string, body any, headers ...string) reply {
	f.t.Helper()
	r, err := f.do(user, method, path, body, headers...)
	require.NoError(f.t, err)
	return r
}

// do is call for any goroutine: it reports errors instead of failing.
func (f *fixture) do(user, method, path string, body any, headers ...string) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, err := f.tokens.Issue(user, time.Hour)
		if err != nil {
			return reply{}, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{status: res.StatusCode, header: res.Header, body: b}, err
}

// token returns a valid bearer token for user.
func (f *fixture) token(user string) string {
	f.t.Helper()
	tok, err := f.tokens.Issue(user, time.Hour)
	require.NoError(f.t, err)
	return tok
}

// create makes an item with id owned by user and returns it.
func (f *fixture) create(user, id string) api.Item {
	f.t.Helper()
	r := f.call(user, http.MethodPost, "/items", map[string]any{"id": id, "name": "item " + id, "notes": "n", "tags": []string{"a"}})
	require.Equal(f.t, http.StatusCreated, r.status, "body: %s", r.body)
	return r.item(f.t)
}

// get reads the item as user and returns the reply.
func (f *fixture) get(user, id string) reply {
	f.t.Helper()
	return f.call(user, http.MethodGet, "/items/"+id, nil)
}
