package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// recorder is a no-op API for every contender that keeps the requests it
// is handed.
type recorder struct {
	NoopGureguAPI
	got []any
}

func (r *recorder) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.got = append(r.got, in)
	return noopUpdate, nil
}

func (r *recorder) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.got = append(r.got, in)
	return noopDelete, nil
}

func (r *recorder) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.got = append(r.got, in)
	return noopPut, nil
}

func (r *recorder) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	r.got = append(r.got, in)
	return noopTx, nil
}

// canon is a request with its placeholders resolved and its condition and
// update split into sorted parts, so that requests that mean the same
// compare equal however their text was written.
type canon struct {
	Kind   string
	Table  string
	Key    map[string]string
	Item   map[string]string
	Cond   []string
	Update []string
	AllOld bool
}

var (
	placeholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)
	spaceParen  = regexp.MustCompile(`\s*\(\s*`)
	spaceClose  = regexp.MustCompile(`\s*\)`)
)

func repr(av types.AttributeValue) string {
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		return "S" + strconv.Quote(x.Value)
	case *types.AttributeValueMemberN:
		f, err := strconv.ParseFloat(x.Value, 64)
		if err != nil {
			return "N?" + x.Value
		}
		return "N" + strconv.FormatFloat(f, 'g', -1, 64)
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS" + fmt.Sprint(s)
	case *types.AttributeValueMemberBOOL:
		return "BOOL" + strconv.FormatBool(x.Value)
	}
	return fmt.Sprintf("%T", av)
}

func reprMap(m map[string]types.AttributeValue) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = repr(v)
	}
	return out
}

func resolve(expr string, names map[string]string, values map[string]types.AttributeValue) string {
	return placeholder.ReplaceAllStringFunc(expr, func(ph string) string {
		if n, ok := names[ph]; ok && ph[0] == '#' {
			return n
		}
		if v, ok := values[ph]; ok && ph[0] == ':' {
			return repr(v)
		}
		return "UNRESOLVED" + ph
	})
}

// wrapped reports whether s is one parenthesized expression.
func wrapped(s string) bool {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return false
	}
	depth := 0
	for i := range len(s) {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i < len(s)-1 {
				return false
			}
		}
	}
	return true
}

// topLevelOr reports whether s holds an OR outside any parentheses.
func topLevelOr(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(s[i:], " OR ") {
				return true
			}
		}
	}
	return false
}

// conjuncts flattens a condition into its AND-ed parts.
func conjuncts(s string) []string {
	s = strings.TrimSpace(s)
	for wrapped(s) {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	// An OR at the top binds looser than every AND: the whole condition
	// is one disjunction, whatever ANDs it holds.
	if topLevelOr(s) {
		return []string{spaceClose.ReplaceAllString(spaceParen.ReplaceAllString(s, "("), ")")}
	}
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(s[i:], " AND ") {
				parts = append(parts, s[start:i])
				start = i + len(" AND ")
			}
		}
	}
	if parts == nil {
		s = spaceClose.ReplaceAllString(spaceParen.ReplaceAllString(s, "("), ")")
		return []string{s}
	}
	var out []string
	for _, p := range append(parts, s[start:]) {
		out = append(out, conjuncts(p)...)
	}
	return out
}

func condParts(cond *string, names map[string]string, values map[string]types.AttributeValue) []string {
	if cond == nil {
		return nil
	}
	parts := conjuncts(resolve(*cond, names, values))
	sort.Strings(parts)
	return parts
}

// actions splits an update expression into "SECTION action" parts.
func actions(update *string, names map[string]string, values map[string]types.AttributeValue) []string {
	if update == nil {
		return nil
	}
	var out, cur []string
	sec := ""
	flush := func() {
		if len(cur) > 0 {
			out = append(out, sec+" "+resolve(strings.Join(cur, " "), names, values))
			cur = nil
		}
	}
	for _, f := range strings.Fields(*update) {
		switch f {
		case "SET", "REMOVE", "ADD", "DELETE":
			flush()
			sec = f
		default:
			trimmed, end := strings.CutSuffix(f, ",")
			cur = append(cur, trimmed)
			if end {
				flush()
			}
		}
	}
	flush()
	sort.Strings(out)
	return out
}

func canonOf(t *testing.T, req any) []canon {
	t.Helper()
	const all = types.ReturnValuesOnConditionCheckFailureAllOld
	switch in := req.(type) {
	case *dynamodb.UpdateItemInput:
		return []canon{{"update", *in.TableName, reprMap(in.Key), nil,
			condParts(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues),
			actions(in.UpdateExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues),
			in.ReturnValuesOnConditionCheckFailure == all}}
	case *types.Update:
		return canonOf(t, &dynamodb.UpdateItemInput{TableName: in.TableName, Key: in.Key,
			ConditionExpression: in.ConditionExpression, UpdateExpression: in.UpdateExpression,
			ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailure(in.ReturnValuesOnConditionCheckFailure)})
	case *dynamodb.DeleteItemInput:
		return []canon{{"delete", *in.TableName, reprMap(in.Key), nil,
			condParts(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues),
			nil, in.ReturnValuesOnConditionCheckFailure == all}}
	case *types.Delete:
		return canonOf(t, &dynamodb.DeleteItemInput{TableName: in.TableName, Key: in.Key,
			ConditionExpression:      in.ConditionExpression,
			ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailure(in.ReturnValuesOnConditionCheckFailure)})
	case *dynamodb.PutItemInput:
		return []canon{{"put", *in.TableName, nil, reprMap(in.Item),
			condParts(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues),
			nil, in.ReturnValuesOnConditionCheckFailure == all}}
	case *types.Put:
		return canonOf(t, &dynamodb.PutItemInput{TableName: in.TableName, Item: in.Item,
			ConditionExpression:      in.ConditionExpression,
			ExpressionAttributeNames: in.ExpressionAttributeNames, ExpressionAttributeValues: in.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailure(in.ReturnValuesOnConditionCheckFailure)})
	case *dynamodb.TransactWriteItemsInput:
		var out []canon
		for _, it := range in.TransactItems {
			switch {
			case it.Update != nil:
				out = append(out, canonOf(t, it.Update)...)
			case it.Delete != nil:
				out = append(out, canonOf(t, it.Delete)...)
			case it.Put != nil:
				out = append(out, canonOf(t, it.Put)...)
			default:
				t.Fatalf("unexpected transaction item %+v", it)
			}
		}
		return out
	}
	t.Fatalf("unexpected request %T", req)
	return nil
}

var ops = []struct {
	name string
	run  func(Contender, context.Context, *Args) error
}{
	{"update", Contender.Update},
	{"delete", Contender.Delete},
	{"create", Contender.Create},
	{"createmap", Contender.CreateMap},
	{"createav", Contender.CreateAV},
	{"tx", Contender.Tx},
}

// TestContenders_sendTheSameRequest checks that every contender's request
// means what the hand-written one means: same table, key or item, the same
// condition parts, the same update actions, ALL_OLD on a failed condition.
func TestContenders_sendTheSameRequest(t *testing.T) {
	rec := &recorder{}
	cs, err := Contenders(rec, rec, "docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		var want []canon
		for _, c := range cs {
			rec.got = nil
			if err := op.run(c, context.Background(), SampleArgs()); err != nil {
				t.Fatalf("%s %s: %v", c.Name(), op.name, err)
			}
			if len(rec.got) != 1 {
				t.Fatalf("%s %s: %d requests, want 1", c.Name(), op.name, len(rec.got))
			}
			got := canonOf(t, rec.got[0])
			if c.Name() == "hand" {
				want = got
				t.Logf("%s: %+v", op.name, got)
			}
		}
		for _, c := range cs {
			rec.got = nil
			_ = op.run(c, context.Background(), SampleArgs())
			if got := canonOf(t, rec.got[0]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s:\n got  %+v\n want %+v", c.Name(), op.name, got, want)
			}
		}
	}
}

// TestCanon_seesDifferences guards the comparison itself: a request that
// differs in meaning must not compare equal.
func TestCanon_seesDifferences(t *testing.T) {
	rec := &recorder{}
	cs, err := Contenders(rec, rec, "docs")
	if err != nil {
		t.Fatal(err)
	}
	a := SampleArgs()
	_ = cs[1].Update(context.Background(), a)
	want := canonOf(t, rec.got[0])
	a.Version++
	_ = cs[0].Update(context.Background(), a)
	if reflect.DeepEqual(canonOf(t, rec.got[1]), want) {
		t.Fatal("a different version compares equal")
	}
	if got := conjuncts("((attribute_exists (id)) AND (owner = x)) AND (v = 1)"); len(got) != 3 || got[0] != "attribute_exists(id)" {
		t.Fatalf("conjuncts = %q", got)
	}
	// DynamoDB binds AND tighter than OR: the WriteID clause without its
	// parentheses means something else.
	with, without := conjuncts("a AND b AND (c OR d)"), conjuncts("a AND b AND c OR d")
	if reflect.DeepEqual(with, without) || len(with) != 3 || len(without) != 1 {
		t.Fatalf("conjuncts: %q and %q", with, without)
	}
}

// TestSDKLayer_oneRequestEach checks that at the sdk layer every
// contender's write is one HTTP request of the right operation, asking for
// ALL_OLD.
func TestSDKLayer_oneRequestEach(t *testing.T) {
	var targets []string
	var bodies []map[string]any
	hc := &CannedHTTPClient{Inspect: func(r *http.Request, body []byte) {
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("request body: %v", err)
		}
		bodies = append(bodies, m)
	}}
	client := NewCannedClient(hc)
	cs, err := Contenders(client, client, "docs")
	if err != nil {
		t.Fatal(err)
	}
	wantTarget := map[string]string{"update": "UpdateItem", "delete": "DeleteItem", "create": "PutItem", "createmap": "PutItem", "createav": "PutItem", "tx": "TransactWriteItems"}
	for _, op := range ops {
		for _, c := range cs {
			targets, bodies = nil, nil
			if err := op.run(c, context.Background(), SampleArgs()); err != nil {
				t.Fatalf("%s %s: %v", c.Name(), op.name, err)
			}
			if len(targets) != 1 || targets[0] != "DynamoDB_20120810."+wantTarget[op.name] {
				t.Fatalf("%s %s: requests %q", c.Name(), op.name, targets)
			}
			if n := strings.Count(fmt.Sprint(bodies[0]), "ReturnValuesOnConditionCheckFailure:ALL_OLD"); n != map[bool]int{true: 3, false: 1}[op.name == "tx"] {
				t.Errorf("%s %s: ALL_OLD %d times in %v", c.Name(), op.name, n, bodies[0])
			}
		}
	}
}

// TestAllocs_guardedAtMostTwiceHandWritten keeps the allocation goal of
// docs/PERFORMANCE.md from regressing unnoticed: building a guarded write
// and handing it to the API allocates at most twice what the hand-written
// input does. (Allocation counts do not depend on the machine's load, so
// this is no timed assertion.)
func TestAllocs_guardedAtMostTwiceHandWritten(t *testing.T) {
	cs, err := Contenders(NoopAPI{}, NoopGureguAPI{}, "docs")
	if err != nil {
		t.Fatal(err)
	}
	guarded, hand := cs[0], cs[1]
	for _, op := range ops {
		a := SampleArgs()
		count := func(c Contender) float64 {
			return testing.AllocsPerRun(200, func() {
				if err := op.run(c, context.Background(), a); err != nil {
					t.Fatal(err)
				}
			})
		}
		g, h := count(guarded), count(hand)
		t.Logf("%s: ddbguard %.0f allocs, hand-written %.0f", op.name, g, h)
		if g > 2*h {
			t.Errorf("%s: ddbguard allocates %.0f times per write, more than twice the hand-written %.0f", op.name, g, h)
		}
	}
}
