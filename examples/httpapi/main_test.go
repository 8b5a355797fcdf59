package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/examples/httpapi/api"
	"github.com/ddbguard/ddbguard/internal/ddblocal"
)

var testKey = bytes.Repeat([]byte{0x5a}, 32)

func TestRun_issueToken_printsATokenForThatUser(t *testing.T) {
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-issue-token", "alice"}, &stdout, &stderr, nil), stderr.String())
	tokens, err := api.NewHMACTokens(testKey)
	require.NoError(t, err)
	user, err := tokens.Verify(strings.TrimSpace(stdout.String()))
	require.NoError(t, err)
	assert.Equal(t, "alice", user)
}

func TestRun_withoutAUsableTokenKey_exits2(t *testing.T) {
	for _, key := range []string{"", "not-hex", hex.EncodeToString(testKey[:16])} {
		t.Setenv(envTokenKey, key)
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), []string{"-issue-token", "alice"}, &stdout, &stderr, nil), "key %q", key)
		assert.Contains(t, stderr.String(), envTokenKey)
		assert.Empty(t, stdout.String())
	}
}

func TestRun_withoutEndpoint_exits1AndNamesTheProductionClient(t *testing.T) {
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	t.Setenv(ddblocal.EnvEndpoint, "")
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"-addr", "127.0.0.1:0"}, &stdout, &stderr, nil))
	assert.Contains(t, stderr.String(), "LoadDefaultConfig")
}

func TestRun_createsTableServesAndShutsDownGracefullyWhenCancelled(t *testing.T) {
	db := ddblocal.Client(t)
	t.Setenv(envTokenKey, hex.EncodeToString(testKey))
	table := fmt.Sprintf("httpapi-main-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-table", table, "-create-table"}, &bytes.Buffer{}, &stderr, ready)
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
	tok, err := tokens.Issue("alice", time.Minute)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/items", strings.NewReader(`{"name":"served"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
	assert.Contains(t, stderr.String(), "shutting down")
}
