package ddbguard_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

var b64 = base64.RawURLEncoding

// uListAttrs are the key attributes of a uListSchema cursor, in the order
// the envelope keeps them.
var uListAttrs = []string{"created", "owner", "pk", "sk"}

// uForged encodes a plain cursor for uListSchema's index holding key, in
// the envelope's order.
func uForged(key map[string]types.AttributeValue) string {
	return ddbguard.PlainCursorForTest(1, uIndex, uListAttrs, key)
}

// uWith returns a copy of m without name, or with name set to v.
func uWith(m map[string]types.AttributeValue, name string, v types.AttributeValue) map[string]types.AttributeValue {
	c := make(map[string]types.AttributeValue, len(m))
	for k, x := range m {
		c[k] = x
	}
	if v == nil {
		delete(c, name)
	} else {
		c[name] = v
	}
	return c
}

// uListRefusal is one List that must be refused before any request.
type uListRefusal struct {
	name   string
	schema ddbguard.Schema
	opts   []ddbguard.Option
	tenant string // run in a tenant view
	caller string
	// cursor returns the cursor to pass to After, given a Guard (and its
	// mock) that can make genuine ones; nil means none.
	cursor func(t *testing.T, g *ddbguard.Guard, api *ddbguardtest.API) string
	build  func(l *ddbguard.GuardedList) *ddbguard.GuardedList
	out    any
	want   error
}

func uListRefusals() []uListRefusal {
	own := uLastKey(uCaller, "doc-1", 10)
	forged := func(key map[string]types.AttributeValue) func(*testing.T, *ddbguard.Guard, *ddbguardtest.API) string {
		return func(*testing.T, *ddbguard.Guard, *ddbguardtest.API) string { return uForged(key) }
	}
	text := func(s string) func(*testing.T, *ddbguard.Guard, *ddbguardtest.API) string {
		return func(*testing.T, *ddbguard.Guard, *ddbguardtest.API) string { return s }
	}
	where := func(path string) func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
		return func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
			return l.Where(expression.Name("status").Equal(expression.Value("open"))).
				Where(expression.Name(path).AttributeExists())
		}
	}
	sealedBy := func(seed byte) func(*testing.T, *ddbguard.Guard, *ddbguardtest.API) string {
		return func(t *testing.T, _ *ddbguard.Guard, _ *ddbguardtest.API) string {
			return uSealedCursor(t, uCursorKey(seed), own)
		}
	}
	sealed := []ddbguard.Option{ddbguard.WithCursorKey(uCursorKey(1))}
	inv := ddbguard.ErrInvalidInput
	plain := ddbguard.Schema{Table: uTable, PartitionKey: "pk"}
	return []uListRefusal{
		{name: "no owner index", schema: plain, want: inv},
		{name: "tenant schema outside a tenant view", schema: uTenantSchema(), want: inv},
		{name: "empty caller", caller: "-", want: ddbguard.ErrUnauthenticated},
		{name: "blank caller", caller: " \t", want: ddbguard.ErrUnauthenticated},
		{name: "caller longer than an index key", caller: strings.Repeat("a", 2049), want: inv},
		{name: "tenant longer than an index sort key", schema: uTenantSchema(), tenant: strings.Repeat("t", 1025), want: inv},
		{name: "nil out", out: nil, want: inv},
		{name: "slice, not a pointer", out: []map[string]any{}, want: inv},
		{name: "pointer to a struct", out: &uListDoc{}, want: inv},
		{name: "pointer to a map", out: &map[string]any{}, want: inv},
		{name: "nil pointer to a slice", out: (*[]uListDoc)(nil), want: inv},
		{name: "slice of ints", out: &[]int{}, want: inv},
		{name: "slice of pointers", out: &[]*uListDoc{}, want: inv},
		{name: "slice of int-keyed maps", out: &[]map[int]any{}, want: inv},
		{name: "Where names owner", build: where("owner"), want: inv},
		{name: "Where names a path under owner", build: where("owner.name"), want: inv},
		{name: "Where names the partition key", build: where("pk"), want: inv},
		{name: "Where names the sort key", build: where("sk"), want: inv},
		{name: "Where names the index sort key", build: where("created"), want: inv},
		{name: "Where names tenant", schema: uTenantSchema(), tenant: "acme", build: where("tenant"), want: inv},
		{name: "Where is empty", build: func(l *ddbguard.GuardedList) *ddbguard.GuardedList {
			return l.Where(expression.ConditionBuilder{})
		}, want: inv},
		{name: "Limit 0", build: func(l *ddbguard.GuardedList) *ddbguard.GuardedList { return l.Limit(0) }, want: inv},
		{name: "Limit -1", build: func(l *ddbguard.GuardedList) *ddbguard.GuardedList { return l.Limit(-1) }, want: inv},
		{name: "garbage cursor", cursor: text("not a cursor!"), want: inv},
		{name: "padded base64 cursor", cursor: text(base64.URLEncoding.EncodeToString([]byte{1, 2})), want: inv},
		{name: "cursor over 4 KiB", cursor: text(strings.Repeat("A", 4097)), want: inv},
		{name: "cursor of unknown version", cursor: text(ddbguard.PlainCursorForTest(3, uIndex, uListAttrs, own)), want: inv},
		{name: "cursor of another index", cursor: text(ddbguard.PlainCursorForTest(1, "by_team", uListAttrs, own)), want: inv},
		{name: "cursor missing the sort key", cursor: text(ddbguard.PlainCursorForTest(1, uIndex, uListAttrs[:3], own)), want: inv},
		{name: "cursor with an extra attribute", cursor: text(ddbguard.PlainCursorForTest(1, uIndex,
			[]string{"created", "owner", "pk", "sk", "title"}, uWith(own, "title", &types.AttributeValueMemberS{Value: "x"}))), want: inv},
		{name: "cursor out of order", cursor: text(ddbguard.PlainCursorForTest(1, uIndex, []string{"owner", "created", "pk", "sk"}, own)), want: inv},
		{name: "cursor with trailing bytes", cursor: text(uForged(own) + "AA"), want: inv},
		{name: "cursor with a number where S is declared", cursor: forged(uWith(own, "pk", &types.AttributeValueMemberN{Value: "1"})), want: inv},
		{name: "cursor with a string where N is declared", cursor: forged(uWith(own, "created", &types.AttributeValueMemberS{Value: "10"})), want: inv},
		{name: "cursor with a binary owner", cursor: forged(uWith(own, "owner", &types.AttributeValueMemberB{Value: []byte(uCaller)})), want: inv},
		{name: "cursor with a list", cursor: forged(uWith(own, "sk", &types.AttributeValueMemberL{})), want: inv},
		{name: "cursor with an empty key", cursor: forged(uWith(own, "sk", &types.AttributeValueMemberS{})), want: inv},
		{name: "cursor with a partition key over 2048 bytes", cursor: forged(uWith(own, "pk", &types.AttributeValueMemberS{Value: strings.Repeat("p", 2049)})), want: inv},
		{name: "cursor with a sort key over 1024 bytes", cursor: forged(uWith(own, "sk", &types.AttributeValueMemberS{Value: strings.Repeat("s", 1025)})), want: inv},
		{name: "cursor with a number that is not one", cursor: forged(uWith(own, "created", &types.AttributeValueMemberN{Value: "1x"})), want: inv},
		{name: "cursor of another owner", cursor: forged(uLastKey(uIntruder, "doc-1", 10)), want: inv},
		{name: "genuine cursor of another owner", cursor: func(t *testing.T, g *ddbguard.Guard, api *ddbguardtest.API) string {
			return uCursorOf(t, g, api, uIntruder, uLastKey(uIntruder, "doc-7", 70))
		}, want: inv},
		{name: "cursor of another tenant", schema: uTenantSchema(), tenant: "acme", cursor: text(ddbguard.PlainCursorForTest(1, uIndex,
			[]string{"owner", "pk", "tenant"}, ddbguardtest.Item(map[string]any{"owner": uCaller, "pk": "doc-1", "tenant": "globex"}))), want: inv},
		{name: "plain cursor to a sealed guard", opts: sealed, cursor: forged(own), want: inv},
		{name: "sealed cursor to a plain guard", cursor: sealedBy(1), want: inv},
		{name: "cursor sealed under another key", opts: sealed, cursor: sealedBy(2), want: inv},
		{name: "edited sealed cursor", opts: sealed, cursor: func(t *testing.T, g *ddbguard.Guard, api *ddbguardtest.API) string {
			raw, err := b64.DecodeString(uCursorOf(t, g, api, uCaller, own))
			require.NoError(t, err)
			raw[len(raw)/2] ^= 1
			return b64.EncodeToString(raw)
		}, want: inv},
	}
}

// uSealedCursor returns the cursor a Guard with WithCursorKey(key) gives
// alice for a page that ended at last.
func uSealedCursor(t *testing.T, key []byte, last map[string]types.AttributeValue) string {
	g, api := uNewBare(t, uListSchema(), ddbguard.WithCursorKey(key))
	return uCursorOf(t, g, api, uCaller, last)
}

func TestList_refusals_areTypedAndSendNothing(t *testing.T) {
	for _, tt := range uListRefusals() {
		t.Run(tt.name, func(t *testing.T) {
			if tt.schema.Table == "" {
				tt.schema = uListSchema()
			}
			var events []ddbguard.AuditEvent
			opts := append([]ddbguard.Option{ddbguard.WithAudit(func(_ context.Context, e ddbguard.AuditEvent) {
				events = append(events, e)
			})}, tt.opts...)
			g, api := uNewBare(t, tt.schema, opts...)
			var cursor string
			if tt.cursor != nil {
				cursor = tt.cursor(t, g, api)
			}
			api.Calls = nil // genuine cursors came from pages; count afresh
			if tt.tenant != "" {
				g = g.ForTenant(tt.tenant)
			}
			caller := uCaller
			if tt.caller == "-" {
				caller = ""
			} else if tt.caller != "" {
				caller = tt.caller
			}
			l := g.List(caller).After(cursor)
			if tt.build != nil {
				l = tt.build(l)
			}
			out := tt.out
			if tt.out == nil && !strings.Contains(tt.name, "nil out") {
				out = &[]map[string]any{}
			}
			next, err := l.Page(uCtx, out)
			uIsOnly(t, err, tt.want)
			e := uAsError(t, err)
			assert.Equal(t, "list", e.Op)
			assert.Nil(t, e.Cause)
			assert.Equal(t, "", next)
			assert.NotContains(t, err.Error(), uIntruder)
			assert.Equal(t, 0, api.Requests(), "a refused List sends nothing")
			require.Len(t, events, 1, "the audit hook hears of every refusal")
			assert.Equal(t, "list", events[0].Op)
			assert.Equal(t, tt.want, events[0].Reason)
		})
	}
}

func TestNew_ownerIndexSchema_isChecked(t *testing.T) {
	base := uListSchema()
	bad := map[string]func(s *ddbguard.Schema){
		"index sort key without index":    func(s *ddbguard.Schema) { s.OwnerIndex = "" },
		"index sort key type without key": func(s *ddbguard.Schema) { s.OwnerIndexSortKey = "" },
		"index sort key type not S, N, B": func(s *ddbguard.Schema) { s.OwnerIndexSortKeyType = "BOOL" },
		"index sort key is owner":         func(s *ddbguard.Schema) { s.OwnerIndexSortKey = "owner" },
		"index sort key type contradicts": func(s *ddbguard.Schema) { s.OwnerIndexSortKey = "sk" },
		"index name empty with sort key":  func(s *ddbguard.Schema) { s.OwnerIndex = ""; s.OwnerIndexSortKeyType = "" },
		"index name invalid UTF-8":        func(s *ddbguard.Schema) { s.OwnerIndex = "\xff" },
		"tenant with another sort key":    func(s *ddbguard.Schema) { s.Tenant = "tenant" },
		"tenant with a number sort key":   func(s *ddbguard.Schema) { s.Tenant, s.OwnerIndexSortKey = "tenant", "tenant" },
		"tenant as partition key typed N": func(s *ddbguard.Schema) {
			*s = uTenantSchema()
			s.Tenant = "pk"
			s.KeyTypes = []types.ScalarAttributeType{"N"}
		},
		"index sort key name invalid UTF8": func(s *ddbguard.Schema) { s.OwnerIndexSortKey = "\xff"; s.OwnerIndexSortKeyType = "" },
	}
	for name, edit := range bad {
		t.Run(name, func(t *testing.T) {
			s := base
			edit(&s)
			_, err := ddbguard.New(new(ddbguardtest.API), s)
			uIsOnly(t, err, ddbguard.ErrInvalidInput)
		})
	}
	good := map[string]func(s *ddbguard.Schema){
		"index without sort key":            func(s *ddbguard.Schema) { s.OwnerIndexSortKey, s.OwnerIndexSortKeyType = "", "" },
		"index sorted by the table's key":   func(s *ddbguard.Schema) { s.OwnerIndexSortKey, s.OwnerIndexSortKeyType = "sk", "S" },
		"index sort key of undeclared type": func(s *ddbguard.Schema) { s.OwnerIndexSortKeyType = "" },
		"tenant as the index sort key":      func(s *ddbguard.Schema) { *s = uTenantSchema() },
		"tenant named as index sort key": func(s *ddbguard.Schema) {
			*s = uTenantSchema()
			s.OwnerIndexSortKey, s.OwnerIndexSortKeyType = "tenant", "S"
		},
		"tenant as partition key": func(s *ddbguard.Schema) { *s = uTenantSchema(); s.Tenant = "pk" },
	}
	for name, edit := range good {
		t.Run(name, func(t *testing.T) {
			s := base
			edit(&s)
			_, err := ddbguard.New(new(ddbguardtest.API), s)
			assert.NoError(t, err)
		})
	}
}
