package ddbguard_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// The proof suites (proof_*_test.go) share one table layout: a string
// partition key, an owner, a version, editors and one protected attribute.
const (
	pfPK      = "pk"
	pfOwner   = "owner"
	pfVer     = "ver"
	pfEditors = "editors"
	pfCreated = "created_at"
)

// pfEnv is a fresh table in DynamoDB Local and a raw client to seed it and
// read it back without any guard.
type pfEnv struct {
	tb     testing.TB
	ctx    context.Context
	client *dynamodb.Client
	schema ddbguard.Schema
}

// pfNewEnv creates a table named after prefix with ddbguardtest.LocalTable;
// the test is skipped or failed, as LocalTable decides, when no DynamoDB is
// configured.
func pfNewEnv(tb testing.TB, prefix string) *pfEnv {
	tb.Helper()
	c, s := ddbguardtest.LocalTable(tb, ddbguard.Schema{
		Table: "proof_" + prefix, PartitionKey: pfPK, Owner: pfOwner, Version: pfVer,
		Editors: pfEditors, Protected: []string{pfCreated},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	tb.Cleanup(cancel)
	return &pfEnv{tb: tb, ctx: ctx, client: c, schema: s}
}

// guard returns a Guard on the table that sends through api (the raw
// client when api is nil).
func (e *pfEnv) guard(api ddbguard.API, opts ...ddbguard.Option) *ddbguard.Guard {
	e.tb.Helper()
	if api == nil {
		api = e.client
	}
	g, err := ddbguard.New(api, e.schema, opts...)
	if err != nil {
		e.tb.Fatalf("New: %v", err)
	}
	return g
}

// seed writes item as it is, with no guard.
func (e *pfEnv) seed(item map[string]types.AttributeValue) {
	e.tb.Helper()
	if _, err := e.client.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: &e.schema.Table, Item: item}); err != nil {
		e.tb.Fatalf("seed: %v", err)
	}
}

// read returns the item stored under pk (nil when there is none), with a
// consistent read.
func (e *pfEnv) read(pk string) map[string]types.AttributeValue {
	e.tb.Helper()
	out, err := e.client.GetItem(e.ctx, &dynamodb.GetItemInput{
		TableName:      &e.schema.Table,
		Key:            map[string]types.AttributeValue{pfPK: pfS(pk)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		e.tb.Fatalf("read %s: %v", pk, err)
	}
	return out.Item
}

// scan returns every item of the table by partition key.
func (e *pfEnv) scan() map[string]map[string]types.AttributeValue {
	e.tb.Helper()
	items := make(map[string]map[string]types.AttributeValue)
	var start map[string]types.AttributeValue
	for {
		out, err := e.client.Scan(e.ctx, &dynamodb.ScanInput{
			TableName: &e.schema.Table, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			e.tb.Fatalf("scan: %v", err)
		}
		for _, it := range out.Items {
			items[pfStr(it, pfPK)] = it
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		start = out.LastEvaluatedKey
	}
}

// pfToken returns a transaction token that no other run uses: DynamoDB
// keeps tokens for ten minutes, across tables.
func pfToken() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "pf-" + hex.EncodeToString(b[:])
}

// pfS, pfN and pfSS build attribute values.
func pfS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func pfN(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func pfSS(s ...string) types.AttributeValue {
	return &types.AttributeValueMemberSS{Value: append([]string(nil), s...)}
}

// pfStr returns a string attribute, "" when absent or of another type.
func pfStr(item map[string]types.AttributeValue, name string) string {
	s, _ := item[name].(*types.AttributeValueMemberS)
	if s == nil {
		return ""
	}
	return s.Value
}

// pfNum returns a number attribute, 0 when absent.
func pfNum(item map[string]types.AttributeValue, name string) int64 {
	n, _ := item[name].(*types.AttributeValueMemberN)
	if n == nil {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("attribute %s = %q is not an integer", name, n.Value))
	}
	return v
}

// pfSentinels lists the sentinels, most specific first.
var pfSentinels = []struct {
	name string
	err  error
}{
	{"ErrUnauthenticated", ddbguard.ErrUnauthenticated},
	{"ErrInvalidInput", ddbguard.ErrInvalidInput},
	{"ErrProtectedAttribute", ddbguard.ErrProtectedAttribute},
	{"ErrNotFound", ddbguard.ErrNotFound},
	{"ErrNotOwner", ddbguard.ErrNotOwner},
	{"ErrForbidden", ddbguard.ErrForbidden},
	{"ErrAlreadyExists", ddbguard.ErrAlreadyExists},
	{"ErrConflict", ddbguard.ErrConflict},
}

// pfSetOf returns the members of a string set, nil for anything else.
func pfSetOf(av types.AttributeValue) []string {
	if ss, ok := av.(*types.AttributeValueMemberSS); ok {
		return ss.Value
	}
	return nil
}

// pfCopy returns a shallow copy of item; attribute values are never
// changed in place.
func pfCopy(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		out[k] = v
	}
	return out
}

// pfErrName names the outcome of an operation: "ok", the sentinel it
// matches, "sdk" for an *Error that carries only a Cause, or "untyped".
func pfErrName(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range pfSentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	var e *ddbguard.Error
	if errors.As(err, &e) && e.Err == nil && e.Cause != nil {
		return "sdk"
	}
	return "untyped"
}

// pfErrItem returns the Item an *Error exposes, nil for any other error.
func pfErrItem(err error) map[string]types.AttributeValue {
	var e *ddbguard.Error
	if errors.As(err, &e) {
		return e.Item
	}
	return nil
}

// pfEqualItems compares two items attribute by attribute.
func pfEqualItems(a, b map[string]types.AttributeValue) bool {
	return pfShow(a) == pfShow(b)
}

// pfShow renders an item canonically, for comparisons and messages.
func pfShow(item map[string]types.AttributeValue) string {
	if item == nil {
		return "<none>"
	}
	names := make([]string, 0, len(item))
	for k := range item {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ": " + pfCanon(item[k]))
	}
	b.WriteByte('}')
	return b.String()
}

func pfCanon(av types.AttributeValue) string {
	switch x := av.(type) {
	case nil:
		return "<absent>"
	case *types.AttributeValueMemberS:
		return "S" + strconv.Quote(x.Value)
	case *types.AttributeValueMemberN:
		f, ok := new(big.Float).SetPrec(200).SetString(x.Value)
		if !ok {
			return "N?" + x.Value
		}
		return "N" + f.Text('g', 40)
	case *types.AttributeValueMemberB:
		return "B" + strconv.Quote(string(x.Value))
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS" + fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%T%+v", av, av) // types the suites never store
}

// pfGo runs fn(0), …, fn(n-1) on n goroutines, all released at once
// once they are started, and waits for them.
func pfGo(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// pfRow is what the race scenarios read back through Value.
type pfRow struct {
	Owner    string `dynamodbav:"owner"`
	Ver      int64  `dynamodbav:"ver"`
	Gen      string `dynamodbav:"gen"`
	CntAlice int64  `dynamodbav:"cnt_alice"`
}

func pfKey(pk string) ddbguard.Key { return ddbguard.Key{PK: pk} }

// pfOwned is an item of owner at version 1 of generation gen.
func pfOwned(pk, owner, gen string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{pfPK: pfS(pk), pfOwner: pfS(owner), pfVer: pfN(1), pfCreated: pfS("t0"), "gen": pfS(gen)}
}

// pfTally counts the outcomes of one scenario and records violations of
// its invariant; it is safe for concurrent use.
type pfTally struct {
	mu         sync.Mutex
	attempts   int
	outcomes   map[string]int
	violations []string
}

// note records the outcome of one attempt of kind (such as "alice update").
func (s *pfTally) note(kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outcomes == nil {
		s.outcomes = make(map[string]int)
	}
	s.attempts++
	s.outcomes[kind+" "+pfErrName(err)]++
}

// violate records a violation of the scenario's invariant.
func (s *pfTally) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// report logs attempts, outcomes and violations, and fails the test for
// every violation.
func (s *pfTally) report(t *testing.T, scenario string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := make([]string, 0, len(s.outcomes))
	for k := range s.outcomes {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, s.outcomes[k])
	}
	t.Logf("scenario %q: %d attempts, %d violations; outcomes: %s",
		scenario, s.attempts, len(s.violations), strings.Join(parts, ", "))
	for _, v := range s.violations {
		t.Errorf("violation: %s", v)
	}
}

// pfContest is one kind of write that several writers attempt at once on
// the same item, round after round.
type pfContest struct {
	name    string
	writers int
	setup   func(round int) (pk string) // seeds the round's item
	write   func(pk string, round, i int) error
	losers  []string // the outcomes allowed to the writers who lose
	// holds tells from the table whether writer i's write, and only it,
	// landed.
	holds func(pk string, round, i int) bool
}

// pfRunContests runs each contest for rounds rounds: exactly one writer
// must win, every other must get one of the losers' outcomes, and the
// table must show the winner's write.
func pfRunContests(t *testing.T, rounds int, contests []pfContest) {
	for _, c := range contests {
		t.Run(c.name, func(t *testing.T) {
			var tally pfTally
			for r := 0; r < rounds; r++ {
				pk := c.setup(r)
				errs := make([]error, c.writers)
				pfGo(c.writers, func(i int) { errs[i] = c.write(pk, r, i) })
				winner := -1
				for i, err := range errs {
					tally.note(c.name, err)
					switch name := pfErrName(err); {
					case err == nil && winner >= 0:
						tally.violate("round %d: writers %d and %d both won", r, winner, i)
					case err == nil:
						winner = i
					case !pfContains(c.losers, name):
						tally.violate("round %d: writer %d lost with %v, want one of %v", r, i, err, c.losers)
					}
				}
				if winner < 0 {
					tally.violate("round %d: no writer won", r)
				} else if !c.holds(pk, r, winner) {
					tally.violate("round %d: the table does not show writer %d's write", r, winner)
				}
			}
			tally.report(t, c.name)
		})
	}
}

func pfContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
