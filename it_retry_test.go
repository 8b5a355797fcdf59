package ddbguard_test

import (
	"errors"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbguard/ddbguard"
)

// itLosing is an HTTP transport that delivers every request to DynamoDB
// and loses the responses of the first lose requests, as a connection reset
// while reading does: DynamoDB applied the write, the client never hears it.
type itLosing struct {
	lose atomic.Int32
	sent atomic.Int32
}

func (l *itLosing) RoundTrip(r *http.Request) (*http.Response, error) {
	l.sent.Add(1)
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || l.lose.Add(-1) < 0 {
		return resp, err
	}
	resp.Body.Close()
	return nil, syscall.ECONNRESET
}

// losingGuard returns a guard whose client loses the first lose responses,
// and retries (as the SDK does by default) when retry is set.
func (tb *itTable) losingGuard(t *testing.T, s ddbguard.Schema, lose int32, retry bool) (*ddbguard.Guard, *itLosing) {
	t.Helper()
	l := &itLosing{}
	l.lose.Store(lose)
	client := dynamodb.New(tb.raw.Options(), func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: l}
		if !retry {
			o.RetryMaxAttempts = 1
		}
	})
	s.Table, s.PartitionKey, s.SortKey = tb.name, tb.pk, tb.sk
	g, err := ddbguard.New(client, s)
	if err != nil {
		t.Fatal(err)
	}
	return g, l
}

// itSeedVersioned stores alice's doc-1 at version 1.
func itSeedVersioned(t *testing.T) *itTable {
	t.Helper()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "title": "old", "body": "b", "version": 1})
	return tb
}

func TestIT_Create_responseLostThenRetriedBySDK_succeedsAndWritesOnce(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, l := tb.losingGuard(t, ddbguard.Schema{Version: "version"}, 1, true)

	if err := g.Create("alice", map[string]any{"pk": "doc-1", "title": "t"}).Run(itCtx(t)); err != nil {
		t.Fatalf("create whose first response was lost: %v", err)
	}
	if n := l.sent.Load(); n != 2 {
		t.Fatalf("HTTP requests = %d, want 2 (the lost one and the SDK's retry)", n)
	}
	got := tb.decode(t, itDoc)
	itWantField(t, got, "owner", "alice")
	itWantField(t, got, "version", 1)
}

func TestIT_UpdateIfVersion_responseLostThenRetriedBySDK_succeedsAndAppliesOnce(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	g, l := tb.losingGuard(t, ddbguard.Schema{Version: "version", WriteID: "wid"}, 1, true)

	var out map[string]any
	err := g.Update("alice", itDoc).Set("title", "new").Remove("body").IfVersion(1).Value(itCtx(t), &out)
	if err != nil {
		t.Fatalf("update whose first response was lost: %v", err)
	}
	if n := l.sent.Load(); n != 2 {
		t.Fatalf("HTTP requests = %d, want 2", n)
	}
	itWantField(t, out, "title", "new")
	got := tb.decode(t, itDoc)
	itWantField(t, got, "title", "new")
	itWantField(t, got, "version", 2)
	if _, ok := got["body"]; ok {
		t.Error("body is still stored")
	}
}

func TestIT_UpdateWithAdd_responseLostThenRetriedBySDK_isConflictNotAppliedTwice(t *testing.T) {
	t.Parallel()
	tb := itSeedVersioned(t)
	g, _ := tb.losingGuard(t, ddbguard.Schema{Version: "version"}, 1, true)

	err := g.Update("alice", itDoc).Add("views", 1).IfVersion(1).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrConflict)
	if e.Item == nil {
		t.Error("the owner's conflict carries no item to check the retry against")
	}
	got := tb.decode(t, itDoc)
	itWantField(t, got, "views", 1)
	itWantField(t, got, "version", 2)
}

func TestIT_Create_secondRunAfterLostResponse_succeeds(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	g, _ := tb.losingGuard(t, ddbguard.Schema{Version: "version"}, 1, false)
	c := g.Create("alice", map[string]any{"pk": "doc-1", "title": "t"})

	e := itWantSDKErr(t, c.Run(itCtx(t)))
	if !errors.Is(e, syscall.ECONNRESET) {
		t.Errorf("Cause = %v, want the connection reset", e.Cause)
	}
	if err := c.Run(itCtx(t)); err != nil {
		t.Fatalf("second Run of a create whose response was lost: %v", err)
	}
	// The write is settled now: a third Run is a new create of an
	// existing item.
	itWantErr(t, c.Run(itCtx(t)), ddbguard.ErrAlreadyExists)
}
