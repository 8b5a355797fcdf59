package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// TestMain says, once, how many tests needed DynamoDB and were skipped.
func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }

var testKey = bytes.Repeat([]byte{0x5a}, 32)

func TestRun_issueToken_printsATokenForThatUser(t *testing.T) {
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-issue-token", "alice", "-tenant", "acme"}, &stdout, &stderr, nil), stderr.String())
	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	claims, err := tokens.Verify(strings.TrimSpace(stdout.String()))
	require.NoError(t, err)
	assert.Equal(t, api.Claims{User: "alice", Tenant: "acme"}, claims)

	stdout.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"-issue-token", "root", "-tenant", "acme", "-admin"}, &stdout, &stderr, nil), stderr.String())
	claims, err = tokens.Verify(strings.TrimSpace(stdout.String()))
	require.NoError(t, err)
	assert.Equal(t, api.Claims{User: "root", Tenant: "acme", Admin: true}, claims)
}

func TestRun_issueTokenWithoutTenant_exits2(t *testing.T) {
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"-issue-token", "alice"}, &stdout, &stderr, nil))
	assert.Contains(t, stderr.String(), "-tenant")
	assert.Empty(t, stdout.String())
}

func TestRun_withoutAUsableTokenKey_exits2(t *testing.T) {
	for _, key := range []string{"", "not-hex", hex.EncodeToString(testKey[:16])} {
		t.Setenv(envTokenKey, key)
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), []string{"-issue-token", "alice", "-tenant", "acme"}, &stdout, &stderr, nil), "key %q", key)
		assert.Contains(t, stderr.String(), envTokenKey)
		assert.Empty(t, stdout.String())
	}
}

// noAWSConfig points the SDK's default configuration at nothing: no
// credentials, no region, no instance metadata.
func noAWSConfig(t *testing.T) {
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestNewClient_loopbackEndpointWithoutAWSConfig_usesFakeCredentialsAndUSEast1(t *testing.T) {
	noAWSConfig(t)
	for _, endpoint := range []string{"http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"} {
		db, err := newClient(context.Background(), endpoint)
		require.NoError(t, err, endpoint)
		creds, err := db.Options().Credentials.Retrieve(context.Background())
		require.NoError(t, err, endpoint)
		assert.Equal(t, "local", creds.AccessKeyID, endpoint)
		assert.Equal(t, "us-east-1", db.Options().Region, endpoint)
		assert.Equal(t, endpoint, aws.ToString(db.Options().BaseEndpoint))
	}
}

func TestNewClient_loopbackEndpointWithCredentials_keepsThem(t *testing.T) {
	noAWSConfig(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	db, err := newClient(context.Background(), "http://127.0.0.1:8000")
	require.NoError(t, err)
	creds, err := db.Options().Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "AKIDEXAMPLE", creds.AccessKeyID)
	assert.Equal(t, "eu-west-1", db.Options().Region)
}

func TestNewClient_nonLoopbackEndpoint_neverGetsFakeCredentials(t *testing.T) {
	noAWSConfig(t)
	for _, endpoint := range []string{"", "https://dynamodb.eu-west-1.amazonaws.com", "http://10.0.0.5:8000", "http://127.0.0.1.example.com:8000"} {
		db, err := newClient(context.Background(), endpoint)
		require.NoError(t, err, endpoint)
		_, err = db.Options().Credentials.Retrieve(context.Background())
		assert.Error(t, err, "%q: no credentials are configured, so none may be made up", endpoint)
		assert.Empty(t, db.Options().Region, endpoint)
	}
}

func TestNewClient_malformedEndpoint_isRefused(t *testing.T) {
	for _, endpoint := range []string{"127.0.0.1:8000", "ftp://127.0.0.1", "http://"} {
		_, err := newClient(context.Background(), endpoint)
		assert.Error(t, err, endpoint)
	}
}

func TestRun_createsTableServesAndShutsDownGracefullyWhenCancelled(t *testing.T) {
	// LocalTable gives the client and a fresh name; the table is dropped so
	// that -create-table has to create it.
	db, s := ddbguardtest.LocalTable(t, ddbguard.Schema{Table: "httpapi-main", PartitionKey: "id"})
	table := s.Table
	_, err := db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	t.Setenv(envCursorKey, hex.EncodeToString(bytes.Repeat([]byte{0xc5}, 32)))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-endpoint", os.Getenv(ddbguardtest.EnvEndpoint),
			"-table", table, "-create-table"}, &bytes.Buffer{}, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("run exited with %d before serving: %s", code, stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("server not ready after a minute")
	}

	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	tok, err := tokens.Issue(api.Claims{User: "alice", Tenant: "acme"}, time.Minute)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/items", strings.NewReader(`{"name":"served"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode)

	// The created table has the owner index that GET /items queries.
	req, err = http.NewRequest(http.MethodGet, "http://"+addr+"/items", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var page struct {
		Items []api.Item `json:"items"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "served", page.Items[0].Name)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
	assert.Contains(t, stderr.String(), "shutting down")
}

// serveUntilReady runs the server with args until it listens, then stops
// it; it returns the exit status and stderr. No request reaches DynamoDB.
func serveUntilReady(t *testing.T, args ...string) (int, string) {
	t.Helper()
	noAWSConfig(t)
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-endpoint", "http://127.0.0.1:1"}, args...),
			&bytes.Buffer{}, &stderr, ready)
	}()
	select {
	case <-ready:
		cancel()
		return <-done, stderr.String()
	case code := <-done:
		return code, stderr.String()
	case <-time.After(time.Minute):
		t.Fatal("server neither ready nor exited after a minute")
		return 0, ""
	}
}

func TestRun_withoutCursorKey_refusesToStart(t *testing.T) {
	t.Setenv(envCursorKey, "")
	code, stderr := serveUntilReady(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, envCursorKey)
	assert.Contains(t, stderr, "-dev")
	assert.NotContains(t, stderr, "listening")
}

func TestRun_devWithoutCursorKey_startsWithAThrowawayKeyAndSaysSo(t *testing.T) {
	t.Setenv(envCursorKey, "")
	code, stderr := serveUntilReady(t, "-dev")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "level=WARN")
	assert.Contains(t, stderr, "will not survive a restart")
	assert.Contains(t, stderr, "listening")
}

func TestRun_cursorKeyInHexOrBase64_isAccepted(t *testing.T) {
	key := bytes.Repeat([]byte{0xfb}, 32) // 0xfb shows the base64 alphabets apart
	for _, v := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key)} {
		t.Setenv(envCursorKey, v)
		code, stderr := serveUntilReady(t)
		assert.Equal(t, 0, code, "%s: %s", v, stderr)
	}
}

func TestRun_malformedCursorKey_refusesToStartEvenWithDev(t *testing.T) {
	for _, v := range []string{"not-a-key", hex.EncodeToString(make([]byte, 16)), hex.EncodeToString(make([]byte, 33))} {
		t.Setenv(envCursorKey, v)
		code, stderr := serveUntilReady(t, "-dev")
		assert.Equal(t, 2, code, v)
		assert.Contains(t, stderr, envCursorKey)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
