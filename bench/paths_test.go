package bench

import (
	"context"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// pathRecorder is PathAPI keeping the requests it is handed.
type pathRecorder struct {
	PathAPI
	got *[]any
}

func (r pathRecorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	*r.got = append(*r.got, in)
	return r.PathAPI.UpdateItem(ctx, in, o...)
}

func (r pathRecorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	*r.got = append(*r.got, in)
	return r.PathAPI.Query(ctx, in, o...)
}

// queryCanon is a Query with its placeholders resolved and its
// expressions split into sorted parts.
type queryCanon struct {
	Table, Index       string
	KeyCond, Filter    []string
	Projection         []string
	Consistent         bool
	Limit              int32
	ExclusiveStartKey  map[string]string
	ScanIndexBackwards bool
}

func canonQuery(in *dynamodb.QueryInput) queryCanon {
	q := queryCanon{Table: *in.TableName, ExclusiveStartKey: reprMap(in.ExclusiveStartKey)}
	if in.IndexName != nil {
		q.Index = *in.IndexName
	}
	q.KeyCond = condParts(in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	q.Filter = condParts(in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if in.ProjectionExpression != nil {
		for _, p := range strings.Split(resolve(*in.ProjectionExpression, in.ExpressionAttributeNames, nil), ",") {
			q.Projection = append(q.Projection, strings.TrimSpace(p))
		}
		sort.Strings(q.Projection)
	}
	q.Consistent = in.ConsistentRead != nil && *in.ConsistentRead
	if in.Limit != nil {
		q.Limit = *in.Limit
	}
	q.ScanIndexBackwards = in.ScanIndexForward != nil && !*in.ScanIndexForward
	return q
}

// writeIDText matches a crypto/rand.Text id as repr shows it.
var writeIDText = regexp.MustCompile(`S"[A-Z2-7]{26}"`)

// canonRequests returns the meaning of every request, a write id shown as
// S"<id>" (each contender draws its own).
func canonRequests(t *testing.T, reqs []any) []any {
	t.Helper()
	var out []any
	for _, r := range reqs {
		if q, ok := r.(*dynamodb.QueryInput); ok {
			out = append(out, canonQuery(q))
			continue
		}
		for _, c := range canonOf(t, r) {
			for i, p := range c.Cond {
				c.Cond[i] = writeIDText.ReplaceAllString(p, `S"<id>"`)
			}
			for i, p := range c.Update {
				c.Update[i] = writeIDText.ReplaceAllString(p, `S"<id>"`)
			}
			out = append(out, c)
		}
	}
	return out
}

var pathOps = []struct {
	name     string
	run      func(Paths, context.Context, *Args) error
	requests int
}{
	{"ListPage", Paths.ListPage, 1},
	{"UpdateWriteID", Paths.UpdateWriteID, 1},
	{"OldlessFail", Paths.OldlessFail, 2},
	{"UpdateTenant", Paths.UpdateTenant, 1},
	{"UpdateAdmin", Paths.UpdateAdmin, 1},
}

// TestPaths_sendTheSameRequests checks that for every path the
// hand-written contender sends requests meaning what ddbguard's mean, as
// many, in the same order, and reaches the same outcome.
func TestPaths_sendTheSameRequests(t *testing.T) {
	var got []any
	list := pathRecorder{PathAPI{Page: SamplePage(SampleArgs().Caller)}, &got}
	refuse := pathRecorder{PathAPI{Refuse: true}, &got}
	ok := pathRecorder{PathAPI{}, &got}
	ps, err := PathContenders(list, refuse, ok, "docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range pathOps {
		var want []any
		for _, c := range ps {
			got = nil
			if err := op.run(c, context.Background(), SampleArgs()); err != nil {
				t.Fatalf("%s %s: %v", c.Name(), op.name, err)
			}
			if len(got) != op.requests {
				t.Fatalf("%s %s: %d requests, want %d", c.Name(), op.name, len(got), op.requests)
			}
			canon := canonRequests(t, got)
			if c.Name() == "ddbguard" {
				want = canon
				t.Logf("%s: %+v", op.name, canon)
				continue
			}
			if !reflect.DeepEqual(canon, want) {
				t.Errorf("%s %s:\n got  %+v\n want %+v", c.Name(), op.name, canon, want)
			}
		}
	}
}

// TestPaths_oldlessAsksForNoItem pins what makes the failure path what it
// is: neither contender's write asks for the stored item.
func TestPaths_oldlessAsksForNoItem(t *testing.T) {
	var got []any
	r := pathRecorder{PathAPI{Refuse: true}, &got}
	ps, err := PathContenders(r, r, r, "docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ps {
		got = nil
		if err := c.OldlessFail(context.Background(), SampleArgs()); err != nil {
			t.Fatal(err)
		}
		in := got[0].(*dynamodb.UpdateItemInput)
		if in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureNone {
			t.Errorf("%s: ReturnValuesOnConditionCheckFailure %q", c.Name(), in.ReturnValuesOnConditionCheckFailure)
		}
	}
}
