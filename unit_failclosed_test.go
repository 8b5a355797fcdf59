package ddbguard_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// uOp runs one builder to its terminal call on behalf of caller, for the
// item at k. Builders that take an item build it from k.
type uOp struct {
	name string
	run  func(g *ddbguard.Guard, api ddbguard.API, caller string, k ddbguard.Key) error
}

// uKeyItem is the item that Create and Replace receive for key k.
func uKeyItem(k ddbguard.Key) map[string]any {
	m := map[string]any{"pk": k.PK, "created_at": "2024-01-02"}
	if k.SK != nil {
		m["sk"] = k.SK
	}
	return m
}

// uCallerOps are every operation that acts on behalf of a caller.
func uCallerOps() []uOp {
	return []uOp{
		{"update", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.Update(c, k).Set("title", "t").Run(uCtx)
		}},
		{"update value", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			var out map[string]any
			return g.Update(c, k).Set("title", "t").Value(uCtx, &out)
		}},
		{"update input", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			_, err := g.Update(c, k).Set("title", "t").Input()
			return err
		}},
		{"transfer", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.Transfer(c, k, "bob").Run(uCtx)
		}},
		{"add editors", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.AddEditors(c, k, uEditor).Run(uCtx)
		}},
		{"remove editors", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.RemoveEditors(c, k, uEditor).Run(uCtx)
		}},
		{"delete", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.Delete(c, k).Run(uCtx)
		}},
		{"delete value", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			var out map[string]any
			return g.Delete(c, k).Value(uCtx, &out)
		}},
		{"get", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			var out map[string]any
			return g.Get(uCtx, c, k, &out)
		}},
		{"create", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return g.Create(c, uKeyItem(k)).Run(uCtx)
		}},
		{"replace", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			r := g.Replace(c, uKeyItem(k))
			if g.Schema().Version != "" {
				r.IfVersion(3)
			}
			return r.Run(uCtx)
		}},
		{"tx update", func(g *ddbguard.Guard, api ddbguard.API, c string, k ddbguard.Key) error {
			return ddbguard.NewTx(api).Update(g.Update(c, k).Set("title", "t")).Run(uCtx)
		}},
	}
}

// uKeyOps are uCallerOps plus the policy check, which has no caller.
func uKeyOps() []uOp {
	check := func(g *ddbguard.Guard, api ddbguard.API, _ string, k ddbguard.Key) error {
		cond := expression.Name("role").Equal(expression.Value("admin"))
		return ddbguard.NewTx(api).Check(g.Check(k, cond)).Run(uCtx)
	}
	return append(uCallerOps(), uOp{"check", check})
}

// uExpectRefused runs op on a fresh Guard for s and asserts that it fails
// with want as an *Error and that nothing was sent.
func uExpectRefused(t *testing.T, s ddbguard.Schema, opts []ddbguard.Option, op uOp, caller string, k ddbguard.Key, want error) {
	t.Helper()
	g, api := uNew(t, s, nil, opts...)
	err := op.run(g, api, caller, k)
	uIsOnly(t, err, want)
	e := uAsError(t, err)
	assert.Equal(t, want, e.Err)
	assert.Nil(t, e.Cause)
	assert.Nil(t, e.Item)
	assert.Equal(t, 0, api.Requests(), "fail closed: no request")
}

func TestFailClosed_emptyOrWhitespaceCaller_isUnauthenticated(t *testing.T) {
	for _, caller := range []string{"", " ", "\t\n "} {
		for _, op := range uCallerOps() {
			t.Run(op.name+"/"+caller, func(t *testing.T) {
				uExpectRefused(t, uFullSchema(), nil, op, caller, uKey, ddbguard.ErrUnauthenticated)
			})
		}
	}
}

func TestFailClosed_invalidUTF8Caller_isInvalidInput(t *testing.T) {
	for _, op := range uCallerOps() {
		t.Run(op.name, func(t *testing.T) {
			uExpectRefused(t, uFullSchema(), nil, op, "al\xffice", uKey, ddbguard.ErrInvalidInput)
		})
	}
}

func TestFailClosed_badKey_isInvalidInput(t *testing.T) {
	typed := uFullSchema()
	typed.KeyTypes = []types.ScalarAttributeType{types.ScalarAttributeTypeS, types.ScalarAttributeTypeN}
	reject := ddbguard.WithKeyValidator(func(k ddbguard.Key) error {
		if k.PK == "doc-bad" {
			return errors.New("malformed id")
		}
		return nil
	})
	tests := []struct {
		name  string
		s     ddbguard.Schema
		opts  []ddbguard.Option
		k     ddbguard.Key
		items bool // also refused as the key of a Create or Replace item
	}{
		{"nil partition key", uFullSchema(), nil, ddbguard.Key{SK: "rev-1"}, true},
		{"missing sort key", uFullSchema(), nil, ddbguard.Key{PK: "doc-1"}, true},
		{"sort key on a table without one", uPlainSchema(), nil, ddbguard.Key{PK: "doc-1", SK: "rev-1"}, false},
		{"empty string partition key", uFullSchema(), nil, ddbguard.Key{PK: "", SK: "rev-1"}, true},
		{"empty string sort key", uFullSchema(), nil, ddbguard.Key{PK: "doc-1", SK: ""}, true},
		{"empty binary key", uFullSchema(), nil, ddbguard.Key{PK: []byte{}, SK: "rev-1"}, true},
		{"BOOL key", uFullSchema(), nil, ddbguard.Key{PK: true, SK: "rev-1"}, true},
		{"M key", uFullSchema(), nil, ddbguard.Key{PK: map[string]string{"a": "b"}, SK: "rev-1"}, true},
		{"L key", uFullSchema(), nil, ddbguard.Key{PK: "doc-1", SK: []int{1, 2}}, true},
		{"NaN key", uFullSchema(), nil, ddbguard.Key{PK: math.NaN(), SK: "rev-1"}, true},
		{"key longer than 2048 bytes", uFullSchema(), nil, ddbguard.Key{PK: strings.Repeat("k", 2049), SK: "rev-1"}, true},
		{"sort key of the wrong declared type", typed, nil, ddbguard.Key{PK: "doc-1", SK: "rev-1"}, true},
		{"partition key of the wrong declared type", typed, nil, ddbguard.Key{PK: 7, SK: 1}, true},
		{"key validator rejection", uFullSchema(), []ddbguard.Option{reject}, ddbguard.Key{PK: "doc-bad", SK: "rev-1"}, true},
	}
	for _, tt := range tests {
		for _, op := range uKeyOps() {
			if !tt.items && (op.name == "create" || op.name == "replace") {
				continue // an item's extra attribute is just an attribute
			}
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				uExpectRefused(t, tt.s, tt.opts, op, uCaller, tt.k, ddbguard.ErrInvalidInput)
			})
		}
	}
}

func TestFailClosed_keyValidatorSeesTheKeyAsGiven(t *testing.T) {
	var seen []ddbguard.Key
	valid := ddbguard.WithKeyValidator(func(k ddbguard.Key) error {
		seen = append(seen, k)
		if _, ok := k.PK.(string); !ok {
			return errors.New("id must be a string")
		}
		return nil
	})
	for _, op := range uKeyOps() {
		t.Run(op.name, func(t *testing.T) {
			seen = nil
			g, api := uNew(t, uFullSchema(), nil, valid)
			if err := op.run(g, api, uCaller, uKey); err != nil {
				require.ErrorIs(t, err, ddbguard.ErrNotFound, "only Get fails: the mock holds no item")
			}
			require.NotEmpty(t, seen)
			for _, k := range seen {
				assert.Equal(t, uKey, k)
			}
			want := 1
			if strings.HasSuffix(op.name, " input") {
				want = 0
			}
			assert.Equal(t, want, api.Requests())
		})
	}
}

func TestFailClosed_badItem_isInvalidInput(t *testing.T) {
	items := []struct {
		name string
		item any
	}{
		{"nil item", nil},
		{"nil attribute map", map[string]types.AttributeValue(nil)},
		{"not a struct or map", 42},
		{"item without partition key", map[string]any{"sk": "rev-1"}},
		{"item without sort key", map[string]any{"pk": "doc-1"}},
		{"item with a BOOL key", map[string]any{"pk": true, "sk": "rev-1"}},
		{"item with a NaN value", map[string]any{"pk": "doc-1", "sk": "rev-1", "score": math.Inf(1)}},
		{"item with an invalid name", map[string]any{"pk": "doc-1", "sk": "rev-1", "a\xffb": "x"}},
		{"item larger than 400 KB", map[string]any{"pk": "doc-1", "sk": "rev-1", "body": strings.Repeat("x", 400*1024)}},
	}
	for _, it := range items {
		t.Run("create/"+it.name, func(t *testing.T) {
			op := uOp{"create", func(g *ddbguard.Guard, _ ddbguard.API, c string, _ ddbguard.Key) error {
				return g.Create(c, it.item).Run(uCtx)
			}}
			uExpectRefused(t, uFullSchema(), nil, op, uCaller, uKey, ddbguard.ErrInvalidInput)
		})
		t.Run("replace/"+it.name, func(t *testing.T) {
			op := uOp{"replace", func(g *ddbguard.Guard, _ ddbguard.API, c string, _ ddbguard.Key) error {
				return g.Replace(c, it.item).IfVersion(3).Run(uCtx)
			}}
			uExpectRefused(t, uFullSchema(), nil, op, uCaller, uKey, ddbguard.ErrInvalidInput)
		})
	}
}

func TestNew_badSchema_isInvalidInput(t *testing.T) {
	long := strings.Repeat("a", 256)
	mod := func(f func(*ddbguard.Schema)) ddbguard.Schema { s := uFullSchema(); f(&s); return s }
	tests := []struct {
		name string
		s    ddbguard.Schema
	}{
		{"no table", mod(func(s *ddbguard.Schema) { s.Table = "" })},
		{"no partition key", mod(func(s *ddbguard.Schema) { s.PartitionKey = "" })},
		{"owner is the partition key", mod(func(s *ddbguard.Schema) { s.Owner = "pk" })},
		{"version is the editors", mod(func(s *ddbguard.Schema) { s.Editors = "version" })},
		{"protected names the owner", mod(func(s *ddbguard.Schema) { s.Protected = []string{"owner"} })},
		{"empty protected name", mod(func(s *ddbguard.Schema) { s.Protected = []string{""} })},
		{"invalid UTF-8 name", mod(func(s *ddbguard.Schema) { s.Version = "v\xff" })},
		{"256-byte name", mod(func(s *ddbguard.Schema) { s.Owner = long })},
		{"key type for a missing sort key", mod(func(s *ddbguard.Schema) {
			s.SortKey = ""
			s.KeyTypes = []types.ScalarAttributeType{"S", "S"}
		})},
		{"protected path with a dot", mod(func(s *ddbguard.Schema) { s.Protected = []string{"meta.created"} })},
		{"protected path with a bracket", mod(func(s *ddbguard.Schema) { s.Protected = []string{"tags[0]"} })},
		{"owner with a dot", mod(func(s *ddbguard.Schema) { s.Owner = "user.id" })},
		{"version with a bracket", mod(func(s *ddbguard.Schema) { s.Version = "v[1]" })},
		{"write id with a dot", mod(func(s *ddbguard.Schema) { s.WriteID = "w.id" })},
		{"write id is the version", mod(func(s *ddbguard.Schema) { s.WriteID = "version" })},
		{"three key types", mod(func(s *ddbguard.Schema) { s.KeyTypes = []types.ScalarAttributeType{"S", "S", "S"} })},
		{"key type BOOL", mod(func(s *ddbguard.Schema) { s.KeyTypes = []types.ScalarAttributeType{"BOOL"} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := new(ddbguardtest.API)
			g, err := ddbguard.New(api, tt.s)
			assert.Nil(t, g)
			uIsOnly(t, err, ddbguard.ErrInvalidInput)
			assert.Equal(t, "new", uAsError(t, err).Op)
			assert.Equal(t, 0, api.Requests())
		})
	}
	t.Run("nil API", func(t *testing.T) {
		g, err := ddbguard.New(nil, uFullSchema())
		assert.Nil(t, g)
		uIsOnly(t, err, ddbguard.ErrInvalidInput)
	})
}

func TestNew_fullSchemaWithDefaults_isAccepted(t *testing.T) {
	g, err := ddbguard.New(new(ddbguardtest.API), uFullSchema())
	require.NoError(t, err)
	assert.Equal(t, "owner", g.Schema().Owner)
}

// uUpdateBases are the builders that take Set, Add, Remove and With.
func uUpdateBases() map[string]func(g *ddbguard.Guard) *ddbguard.GuardedUpdate {
	return map[string]func(g *ddbguard.Guard) *ddbguard.GuardedUpdate{
		"update":         func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Update(uCaller, uKey) },
		"transfer":       func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.Transfer(uCaller, uKey, "bob") },
		"add editors":    func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.AddEditors(uCaller, uKey, uEditor) },
		"remove editors": func(g *ddbguard.Guard) *ddbguard.GuardedUpdate { return g.RemoveEditors(uCaller, uKey, uEditor) },
	}
}

// uRunUpdate sends u, as Run, Value and part of a Tx, and returns the
// errors; each must be refused without a request.
func uRunUpdate(t *testing.T, mk func() *ddbguard.GuardedUpdate, api ddbguard.API) []error {
	t.Helper()
	var out map[string]any
	_, inErr := mk().Input()
	return []error{
		mk().Run(uCtx),
		mk().Value(uCtx, &out),
		inErr,
		ddbguard.NewTx(api).Update(mk()).Run(uCtx),
	}
}

func TestFailClosed_guardedNamesInUpdates_areProtected(t *testing.T) {
	writes := map[string]func(u *ddbguard.GuardedUpdate, name string) *ddbguard.GuardedUpdate{
		"Set":    func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate { return u.Set(n, "x") },
		"Add":    func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate { return u.Add(n, 1) },
		"Remove": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate { return u.Remove(n) },
		"With Set": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Set(expression.Name(n), expression.Value("x")))
		},
		"With Set nested": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Set(expression.Name(n+".x"), expression.Value("x")))
		},
		"With Set indexed": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Set(expression.Name("title"), expression.Value("t")).Set(expression.Name(n+"[0]"), expression.Value("x")))
		},
		"With Remove nested": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Remove(expression.Name(n + ".a[1].b")))
		},
		"With Add": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Add(expression.Name(n), expression.Value(1)))
		},
		"With Delete": func(u *ddbguard.GuardedUpdate, n string) *ddbguard.GuardedUpdate {
			return u.With(expression.Delete(expression.Name(n), expression.Value([]string{"x"})))
		},
	}
	guarded := []string{"pk", "sk", "owner", "version", "editors", "created_at"}
	for base, start := range uUpdateBases() {
		for how, write := range writes {
			for _, name := range guarded {
				t.Run(base+"/"+how+"/"+name, func(t *testing.T) {
					g, api := uNew(t, uFullSchema(), nil)
					mk := func() *ddbguard.GuardedUpdate { return write(start(g), name) }
					for _, err := range uRunUpdate(t, mk, api) {
						uIsOnly(t, err, ddbguard.ErrProtectedAttribute)
					}
					assert.Equal(t, 0, api.Requests())
				})
			}
		}
	}
}

func TestWith_nestedAttributeNamedLikeAGuardedOne_isAllowed(t *testing.T) {
	g, _ := uNew(t, uFullSchema(), nil)
	in, err := g.Update(uCaller, uKey).
		With(expression.Set(expression.Name("meta.owner"), expression.Value("x")).
			Set(expression.Name("list[0].version"), expression.Value(2)).
			Set(expression.NameNoDotSplit("owner.x"), expression.Value("y"))).
		Input()
	require.NoError(t, err)
	assert.NotContains(t, *in.UpdateExpression, "#go =")
}

func TestFailClosed_createOrReplaceNamingAnotherOwner_isProtected(t *testing.T) {
	items := map[string]map[string]any{
		"another owner":    {"pk": "doc-1", "sk": "rev-1", "owner": uIntruder},
		"a numeric owner":  {"pk": "doc-1", "sk": "rev-1", "owner": 7},
		"a set of owners":  {"pk": "doc-1", "sk": "rev-1", "owner": []string{uCaller, uIntruder}},
		"a case variation": {"pk": "doc-1", "sk": "rev-1", "owner": "Alice"},
	}
	for name, item := range items {
		t.Run("create/"+name, func(t *testing.T) {
			op := uOp{"create", func(g *ddbguard.Guard, _ ddbguard.API, c string, _ ddbguard.Key) error {
				return g.Create(c, item).Run(uCtx)
			}}
			uExpectRefused(t, uFullSchema(), nil, op, uCaller, uKey, ddbguard.ErrProtectedAttribute)
		})
		t.Run("replace/"+name, func(t *testing.T) {
			op := uOp{"replace", func(g *ddbguard.Guard, _ ddbguard.API, c string, _ ddbguard.Key) error {
				return g.Replace(c, item).IfVersion(3).Run(uCtx)
			}}
			uExpectRefused(t, uFullSchema(), nil, op, uCaller, uKey, ddbguard.ErrProtectedAttribute)
		})
	}
}

func TestFailClosed_refusalIsAudited(t *testing.T) {
	var n int
	audit := ddbguard.WithAudit(func(context.Context, ddbguard.AuditEvent) { n++ })
	g, api := uNew(t, uFullSchema(), nil, audit)
	require.ErrorIs(t, g.Delete("", uKey).Run(uCtx), ddbguard.ErrUnauthenticated)
	assert.Equal(t, 1, n)
	assert.Equal(t, 0, api.Requests())
}
