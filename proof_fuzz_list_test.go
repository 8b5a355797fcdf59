package ddbguard_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// pfEcho answers every Query with an empty page that ends where the
// request started, so that a cursor the guard accepted comes back as the
// next cursor.
type pfEcho struct {
	ddbguard.API
	queries int
	start   map[string]types.AttributeValue
}

func (e *pfEcho) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	e.queries++
	e.start = in.ExclusiveStartKey
	return &dynamodb.QueryOutput{LastEvaluatedKey: in.ExclusiveStartKey}, nil
}

// pfCursorKey is the cursor key of FuzzListCursor's sealed guard; the
// sealed seeds in testdata/fuzz/FuzzListCursor are sealed under it.
var pfCursorKey = []byte("ddbguard-fuzz-cursor-key-32bytes")

// FuzzListCursor hands arbitrary cursors to alice's List: each is refused
// with ErrInvalidInput before any request, or it is a position in alice's
// own list (her owner id in its key) that the guard gives back unchanged.
func FuzzListCursor(f *testing.F) {
	f.Add("", false)
	f.Add(ddbguard.PlainCursorForTest(1, uIndex, uListAttrs, uLastKey("alice", "doc-1", 10)), false)
	f.Add(ddbguard.PlainCursorForTest(1, uIndex, uListAttrs, uLastKey("bob", "doc-1", 10)), false)
	f.Fuzz(func(t *testing.T, cursor string, sealed bool) {
		var opts []ddbguard.Option
		if sealed {
			opts = append(opts, ddbguard.WithCursorKey(pfCursorKey))
		}
		api := &pfEcho{}
		g, err := ddbguard.New(api, uListSchema(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		next, err := g.List("alice").After(cursor).Page(context.Background(), &out)
		if err != nil {
			var e *ddbguard.Error
			if !errors.As(err, &e) || e.Err != ddbguard.ErrInvalidInput || e.Cause != nil || api.queries != 0 || next != "" {
				t.Fatalf("cursor %q: %v (queries %d, next %q): want ErrInvalidInput and no request", cursor, err, api.queries, next)
			}
			return
		}
		if api.queries != 1 {
			t.Fatalf("cursor %q: %d queries", cursor, api.queries)
		}
		if cursor == "" {
			if api.start != nil || next != "" {
				t.Fatalf("first page started at %v, next %q", api.start, next)
			}
			return
		}
		if owner, ok := api.start["owner"].(*types.AttributeValueMemberS); !ok || owner.Value != "alice" {
			t.Fatalf("cursor %q starts alice's list at %v", cursor, api.start)
		}
		if !sealed && next != cursor {
			t.Fatalf("cursor %q came back as %q: a key has one plain cursor", cursor, next)
		}
		// The next cursor continues at the same key.
		first := maps.Clone(api.start)
		if _, err := g.List("alice").After(next).Page(context.Background(), &out); err != nil || !maps.EqualFunc(first, api.start, pfSameAV) {
			t.Fatalf("next %q of %q: %v, starts at %v, want %v", next, cursor, err, api.start, first)
		}
	})
}

func pfSameAV(a, b types.AttributeValue) bool { return pfCanon(a) == pfCanon(b) }
