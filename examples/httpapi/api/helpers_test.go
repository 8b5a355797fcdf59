package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// TestMain says, once, how many tests needed DynamoDB and were skipped.
func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }

// testKey keys the tokens of the tests, and cursorKey their cursors.
var (
	testKey   = bytes.Repeat([]byte("k"), 32)
	cursorKey = bytes.Repeat([]byte("c"), 32)
)

// tenant is the tenant of the tests' plain users (call, do, create, get).
const tenant = "acme"

// fixture is a server on its own table of DynamoDB Local.
type fixture struct {
	t      *testing.T
	url    string
	tokens *api.HMACTokens
	audit  *syncBuffer // the server's audit trail
	db     *dynamodb.Client
	table  string
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON lines written so far, decoded, and the raw text.
func (b *syncBuffer) lines(t *testing.T) ([]map[string]any, string) {
	t.Helper()
	b.mu.Lock()
	text := b.buf.String()
	b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "audit line %q is not one JSON object", line)
		out = append(out, m)
	}
	return out, text
}

// reset forgets what was written.
func (b *syncBuffer) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// newFixture starts a server on a new table. wrap, if not nil, wraps the
// client the server uses, to inject interleavings.
func newFixture(t *testing.T, wrap func(ddbguard.API) ddbguard.API) *fixture {
	t.Helper()
	// A fresh table on DynamoDB Local, dropped when the test ends.
	// The service's own schema: tenant and id as key, the owner index.
	db, s := ddbguardtest.LocalTable(t, api.Schema("httpapi"))
	table := s.Table
	var through ddbguard.API = db
	if wrap != nil {
		through = wrap(db)
	}
	f := startServer(t, api.Config{DB: through, Table: table, CursorKey: cursorKey, Timeout: 5 * time.Second})
	f.db, f.table = db, table
	return f
}

// startServer serves the API configured by cfg (whose DB may be a fake),
// with the tests' token key, the tests' cursor key unless cfg has one, and
// an audit trail the test can read.
func startServer(t *testing.T, cfg api.Config) *fixture {
	t.Helper()
	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	cfg.Tokens = tokens
	if cfg.CursorKey == nil {
		cfg.CursorKey = cursorKey
	}
	audit := &syncBuffer{}
	cfg.Audit = audit
	h, err := api.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, url: srv.URL, tokens: tokens, audit: audit}
}

// user is a plain user of the tests' tenant.
func user(name string) api.Claims { return api.Claims{User: name, Tenant: tenant} }

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

// call sends a request as name, a user of the tests' tenant ("" for no
// token), and fails the test if it cannot. body is sent as is when it is a
// string, JSON-encoded otherwise; headers are name, value pairs.
func (f *fixture) call(name, method, path string, body any, headers ...string) reply {
	f.t.Helper()
	var c api.Claims
	if name != "" {
		c = user(name)
	}
	return f.callAs(c, method, path, body, headers...)
}

// callAs is call with a token carrying c (none when c.User is "").
func (f *fixture) callAs(c api.Claims, method, path string, body any, headers ...string) reply {
	f.t.Helper()
	r, err := f.doAs(c, method, path, body, headers...)
	require.NoError(f.t, err)
	return r
}

// do is call for any goroutine: it reports errors instead of failing.
func (f *fixture) do(name, method, path string, body any, headers ...string) (reply, error) {
	var c api.Claims
	if name != "" {
		c = user(name)
	}
	return f.doAs(c, method, path, body, headers...)
}

// doAs is callAs for any goroutine.
func (f *fixture) doAs(c api.Claims, method, path string, body any, headers ...string) (reply, error) {
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
	if c.User != "" {
		tok, err := f.tokens.Issue(c, time.Hour)
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

// token returns a valid bearer token for c.
func (f *fixture) token(c api.Claims) string {
	f.t.Helper()
	tok, err := f.tokens.Issue(c, time.Hour)
	require.NoError(f.t, err)
	return tok
}

// create makes an item with id owned by name in the tests' tenant and
// returns it.
func (f *fixture) create(name, id string) api.Item {
	f.t.Helper()
	return f.createAs(user(name), id)
}

// createAs makes an item with id owned by c.User in c.Tenant.
func (f *fixture) createAs(c api.Claims, id string) api.Item {
	f.t.Helper()
	r := f.callAs(c, http.MethodPost, "/items", map[string]any{"id": id, "name": "item " + id, "notes": "n", "tags": []string{"a"}})
	require.Equal(f.t, http.StatusCreated, r.status, "body: %s", r.body)
	return r.item(f.t)
}

// get reads the item as name and returns the reply.
func (f *fixture) get(name, id string) reply {
	f.t.Helper()
	return f.call(name, http.MethodGet, "/items/"+id, nil)
}

// raw reads the stored item id of tenant with the SDK client, past the
// service and the guard (nil when there is none).
func (f *fixture) raw(tenant, id string) map[string]types.AttributeValue {
	f.t.Helper()
	out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(f.table),
		Key:            ddbguardtest.Item(map[string]any{"tenant": tenant, "id": id}),
		ConsistentRead: aws.Bool(true),
	})
	require.NoError(f.t, err)
	return out.Item
}
