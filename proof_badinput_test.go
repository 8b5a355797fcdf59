package ddbguard_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// pfBadGuards are guards on one table with different schemas, all sending
// through one counting API.
type pfBadGuards struct {
	g      *ddbguard.Guard // versioned, with editors and a protected attribute
	plain  *ddbguard.Guard // no version, no editors
	typed  *ddbguard.Guard // KeyTypes: N
	sorted *ddbguard.Guard // a sort key, KeyTypes: S, N
	// sortedS has a sort key of undeclared type.
	sortedS *ddbguard.Guard
	api     ddbguard.API
}

// TestBadInput_isRefusedWithATypedErrorAndNoRequest lists malformed
// callers, keys, items, values, names and builder uses: each is refused
// with the documented sentinel, as an *Error, and sends nothing (counted
// by a wrapper around the real DynamoDB Local client).
func TestBadInput_isRefusedWithATypedErrorAndNoRequest(t *testing.T) {
	env := pfNewEnv(t, "bad_input")
	api := &ddbguardtest.Faults{API: env.client}
	s := env.schema
	plain, typed, sorted, sortedS := s, s, s, s
	plain.Version, plain.Editors, plain.Protected = "", "", nil
	typed.KeyTypes = []types.ScalarAttributeType{types.ScalarAttributeTypeN}
	sorted.SortKey, sorted.KeyTypes = "sk", []types.ScalarAttributeType{types.ScalarAttributeTypeS, types.ScalarAttributeTypeN}
	sortedS.SortKey = "sk"
	b := pfBadGuards{g: env.guard(api), api: api}
	for _, x := range []struct {
		dst **ddbguard.Guard
		s   ddbguard.Schema
	}{{&b.plain, plain}, {&b.typed, typed}, {&b.sorted, sorted}, {&b.sortedS, sortedS}} {
		g, err := ddbguard.New(api, x.s)
		if err != nil {
			t.Fatal(err)
		}
		*x.dst = g
	}
	ctx, k := env.ctx, pfKey("k1")
	big := strings.Repeat("x", 401*1024)
	bad := "\xff\xfe"
	long := strings.Repeat("n", 256)
	nan := math.NaN()
	var out map[string]any
	cases := []struct {
		name string
		want error
		run  func() error
	}{
		{"empty caller", ddbguard.ErrUnauthenticated, func() error { return b.g.Update("", k).Set("a", 1).Run(ctx) }},
		{"whitespace caller, delete", ddbguard.ErrUnauthenticated, func() error { return b.g.Delete(" \t\n", k).Run(ctx) }},
		{"whitespace caller, create", ddbguard.ErrUnauthenticated, func() error { return b.g.Create("  ", map[string]any{pfPK: "k1"}).Run(ctx) }},
		{"no-break-space caller, transfer", ddbguard.ErrUnauthenticated, func() error { return b.g.Transfer("\u00a0", k, "bob").Run(ctx) }},
		{"whitespace caller, get", ddbguard.ErrUnauthenticated, func() error { return b.g.Get(ctx, "\t", k, &out) }},
		{"caller not UTF-8", ddbguard.ErrInvalidInput, func() error { return b.g.Update(bad, k).Set("a", 1).Run(ctx) }},
		{"nil key", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", ddbguard.Key{}).Set("a", 1).Run(ctx) }},
		{"empty string key", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", pfKey("")).Run(ctx) }},
		{"empty binary key", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", ddbguard.Key{PK: []byte{}}).Run(ctx) }},
		{"key string not UTF-8", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", pfKey(bad)).Run(ctx) }},
		{"key of a map type", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", ddbguard.Key{PK: map[string]int{"a": 1}}).Run(ctx) }},
		{"key of a bool", ddbguard.ErrInvalidInput, func() error { return b.g.Get(ctx, "alice", ddbguard.Key{PK: true}, &out) }},
		{"sort key on a table without one", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", ddbguard.Key{PK: "k1", SK: "s"}).Run(ctx) }},
		{"sort key missing", ddbguard.ErrInvalidInput, func() error { return b.sorted.Delete("alice", k).Run(ctx) }},
		{"key string where KeyTypes says N", ddbguard.ErrInvalidInput, func() error { return b.typed.Update("alice", k).Set("a", 1).Run(ctx) }},
		{"sort key string where KeyTypes says N", ddbguard.ErrInvalidInput, func() error {
			return b.sorted.Update("alice", ddbguard.Key{PK: "k1", SK: "s"}).Set("a", 1).Run(ctx)
		}},
		{"item key of the wrong type", ddbguard.ErrInvalidInput, func() error { return b.typed.Create("alice", map[string]any{pfPK: "k1"}).Run(ctx) }},
		{"nil item", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", nil).Run(ctx) }},
		{"nil attribute map", ddbguard.ErrInvalidInput, func() error {
			return b.g.Create("alice", map[string]types.AttributeValue(nil)).Run(ctx)
		}},
		{"item without key", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{"a": 1}).Run(ctx) }},
		{"item over 400 KB, create", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{pfPK: "k1", "a": big}).Run(ctx) }},
		{"item over 400 KB, replace", ddbguard.ErrInvalidInput, func() error {
			return b.g.Replace("alice", map[string]any{pfPK: "k1", "a": big}).IfVersion(1).Run(ctx)
		}},
		{"value over 400 KB, update", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", big).Run(ctx) }},
		{"values together over 400 KB, update", ddbguard.ErrInvalidInput, func() error {
			half := big[:201*1024]
			return b.g.Update("alice", k).Set("a", half).Set("b", half).Run(ctx)
		}},
		{"more than 100 transaction items", ddbguard.ErrInvalidInput, func() error {
			tx := ddbguard.NewTx(api)
			for i := 0; i < 101; i++ {
				tx.Delete(b.g.Delete("alice", ddbguard.Key{PK: "k" + string(rune('A'+i))}))
			}
			return tx.Run(ctx)
		}},
		{"empty transaction", ddbguard.ErrInvalidInput, func() error { return ddbguard.NewTx(api).Run(ctx) }},
		{"transaction naming one item twice", ddbguard.ErrInvalidInput, func() error {
			return ddbguard.NewTx(api).Delete(b.g.Delete("alice", k)).Update(b.g.Update("alice", k).Set("a", 1)).Run(ctx)
		}},
		{"nil builder in a transaction", ddbguard.ErrInvalidInput, func() error { return ddbguard.NewTx(api).Update(nil).Run(ctx) }},
		{"transaction token too long", ddbguard.ErrInvalidInput, func() error {
			return ddbguard.NewTx(api).Delete(b.g.Delete("alice", k)).Token(strings.Repeat("t", 37)).Run(ctx)
		}},
		{"chan value", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", make(chan int)).Run(ctx) }},
		{"func value", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", func() {}).Run(ctx) }},
		{"chan in an item", ddbguard.ErrInvalidInput, func() error {
			return b.g.Create("alice", map[string]any{pfPK: "k1", "c": make(chan int)}).Run(ctx)
		}},
		{"func in an item", ddbguard.ErrInvalidInput, func() error {
			return b.g.Replace("alice", map[string]any{pfPK: "k1", "f": func() {}}).IfVersion(1).Run(ctx)
		}},
		{"NaN value", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", nan).Run(ctx) }},
		{"infinite value", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Add("a", math.Inf(1)).Run(ctx) }},
		{"NaN in an item", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{pfPK: "k1", "f": nan}).Run(ctx) }},
		{"NaN number attribute", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", &types.AttributeValueMemberN{Value: "NaN"}).Run(ctx)
		}},
		{"name not UTF-8, set", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set(bad, 1).Run(ctx) }},
		{"name not UTF-8, remove", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Remove(bad).Run(ctx) }},
		{"name not UTF-8, item", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{pfPK: "k1", bad: 1}).Run(ctx) }},
		{"name not UTF-8, nested in an item", ddbguard.ErrInvalidInput, func() error {
			return b.g.Create("alice", map[string]any{pfPK: "k1", "m": map[string]any{bad: 1}}).Run(ctx)
		}},
		{"name not UTF-8, With", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).With(expression.Set(expression.Name(bad), expression.Value(1))).Run(ctx)
		}},
		{"name not UTF-8, If", ddbguard.ErrInvalidInput, func() error {
			return b.g.Delete("alice", k).If(expression.Name(bad).Equal(expression.Value(1))).Run(ctx)
		}},
		{"name over 255 bytes, set", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set(long, 1).Run(ctx) }},
		{"name over 255 bytes, item", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{pfPK: "k1", long: 1}).Run(ctx) }},
		{"empty name", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("", 1).Run(ctx) }},
		{"transfer to nobody", ddbguard.ErrInvalidInput, func() error { return b.g.Transfer("alice", k, " ").Run(ctx) }},
		{"replace without IfVersion on a versioned table", ddbguard.ErrInvalidInput, func() error {
			return b.g.Replace("alice", map[string]any{pfPK: "k1"}).Run(ctx)
		}},
		{"IfVersion on a table without versions", ddbguard.ErrInvalidInput, func() error { return b.plain.Delete("alice", k).IfVersion(1).Run(ctx) }},
		{"nothing to update", ddbguard.ErrInvalidInput, func() error { return b.plain.Update("alice", k).Run(ctx) }},
		{"With twice", ddbguard.ErrInvalidInput, func() error {
			set := expression.Set(expression.Name("a"), expression.Value(1))
			return b.g.Update("alice", k).With(set).With(set).Run(ctx)
		}},
		{"Add of a string", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Add("a", "x").Run(ctx) }},
		{"Value into nil", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", 1).Value(ctx, nil) }},
		{"Get into a non-pointer", ddbguard.ErrInvalidInput, func() error { return b.g.Get(ctx, "alice", k, out) }},
		// DynamoDB's own limits.
		{"partition key over 2048 bytes", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", pfKey(strings.Repeat("k", 2049))).Run(ctx) }},
		{"binary partition key over 2048 bytes", ddbguard.ErrInvalidInput, func() error {
			return b.g.Delete("alice", ddbguard.Key{PK: make([]byte, 2049)}).Run(ctx)
		}},
		{"sort key over 1024 bytes", ddbguard.ErrInvalidInput, func() error {
			return b.sortedS.Delete("alice", ddbguard.Key{PK: "k1", SK: strings.Repeat("s", 1025)}).Run(ctx)
		}},
		{"binary sort key over 1024 bytes", ddbguard.ErrInvalidInput, func() error {
			return b.sortedS.Update("alice", ddbguard.Key{PK: "k1", SK: make([]byte, 1025)}).Set("a", 1).Run(ctx)
		}},
		{"item sort key over 1024 bytes", ddbguard.ErrInvalidInput, func() error {
			return b.sortedS.Create("alice", map[string]any{pfPK: "k1", "sk": strings.Repeat("s", 1025)}).Run(ctx)
		}},
		{"number of 39 significant digits", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", &types.AttributeValueMemberN{Value: "123456789012345678901234567890123456789"}).Run(ctx)
		}},
		{"float 1e200", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", 1e200).Run(ctx) }},
		{"float 1e-200", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Add("a", 1e-200).Run(ctx) }},
		{"number 1E+126", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", &types.AttributeValueMemberN{Value: "1E+126"}).Run(ctx)
		}},
		{"number 1E-131", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", &types.AttributeValueMemberN{Value: "-1E-131"}).Run(ctx)
		}},
		{"hexadecimal number", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", &types.AttributeValueMemberN{Value: "0x1p-2"}).Run(ctx)
		}},
		{"1e200 in an item", ddbguard.ErrInvalidInput, func() error { return b.g.Create("alice", map[string]any{pfPK: "k1", "f": 1e200}).Run(ctx) }},
		{"1e200 in a number set", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Add("a", &types.AttributeValueMemberNS{Value: []string{"1", "1e200"}}).Run(ctx)
		}},
		{"1e200 nested in a map", ddbguard.ErrInvalidInput, func() error {
			return b.g.Update("alice", k).Set("a", map[string]any{"m": []any{1e200}}).Run(ctx)
		}},
		{"number key 1e126", ddbguard.ErrInvalidInput, func() error {
			return b.typed.Delete("alice", ddbguard.Key{PK: &types.AttributeValueMemberN{Value: "1e126"}}).Run(ctx)
		}},
		{"number key of 39 digits", ddbguard.ErrInvalidInput, func() error {
			return b.typed.Delete("alice", ddbguard.Key{PK: &types.AttributeValueMemberN{Value: "1.23456789012345678901234567890123456789"}}).Run(ctx)
		}},
		{"float key 1e200", ddbguard.ErrInvalidInput, func() error { return b.typed.Delete("alice", ddbguard.Key{PK: 1e200}).Run(ctx) }},
		{"IfVersion(-1)", ddbguard.ErrInvalidInput, func() error { return b.g.Update("alice", k).Set("a", 1).IfVersion(-1).Run(ctx) }},
		{"IfVersion(MaxInt64), replace", ddbguard.ErrInvalidInput, func() error {
			return b.g.Replace("alice", map[string]any{pfPK: "k1"}).IfVersion(math.MaxInt64).Run(ctx)
		}},
		{"IfVersion(MaxInt64), delete", ddbguard.ErrInvalidInput, func() error { return b.g.Delete("alice", k).IfVersion(math.MaxInt64).Run(ctx) }},
		{"transaction naming N 0 and -0", ddbguard.ErrInvalidInput, func() error {
			n := func(v string) ddbguard.Key { return ddbguard.Key{PK: &types.AttributeValueMemberN{Value: v}} }
			return ddbguard.NewTx(api).Delete(b.typed.Delete("alice", n("0"))).Update(b.typed.Update("alice", n("-0")).Set("a", 1)).Run(ctx)
		}},
		{"transaction naming N 0.0 and 0e5", ddbguard.ErrInvalidInput, func() error {
			n := func(v string) ddbguard.Key { return ddbguard.Key{PK: &types.AttributeValueMemberN{Value: v}} }
			return ddbguard.NewTx(api).Delete(b.typed.Delete("alice", n("0.0"))).Delete(b.typed.Delete("bob", n("0e5"))).Run(ctx)
		}},
		{"transaction naming N 1.50 and 15e-1", ddbguard.ErrInvalidInput, func() error {
			n := func(v string) ddbguard.Key { return ddbguard.Key{PK: &types.AttributeValueMemberN{Value: v}} }
			return ddbguard.NewTx(api).Delete(b.typed.Delete("alice", n("1.50"))).
				Check(b.typed.Check(n("15e-1"), expression.Name("a").AttributeExists())).Run(ctx)
		}},
		{"builder of another transaction", ddbguard.ErrInvalidInput, func() error {
			d := b.g.Delete("alice", k)
			ddbguard.NewTx(api).Delete(d)
			return ddbguard.NewTx(api).Delete(d).Run(ctx)
		}},
		{"set the owner", ddbguard.ErrProtectedAttribute, func() error { return b.g.Update("alice", k).Set(pfOwner, "bob").Run(ctx) }},
		{"create naming another owner", ddbguard.ErrProtectedAttribute, func() error {
			return b.g.Create("alice", map[string]any{pfPK: "k1", pfOwner: "bob"}).Run(ctx)
		}},
	}
	for _, c := range cases {
		before := api.Calls()
		err := c.run()
		var e *ddbguard.Error
		switch {
		case !errors.Is(err, c.want):
			t.Errorf("%s: got %v (%s), want %v", c.name, err, pfErrName(err), c.want)
		case !errors.As(err, &e) || e.Cause != nil || e.Item != nil || !strings.HasPrefix(err.Error(), "ddbguard: "):
			t.Errorf("%s: %#v is not a refusal *Error", c.name, err)
		case api.Calls() != before:
			t.Errorf("%s: %d requests sent", c.name, api.Calls()-before)
		}
	}
	t.Logf("%d malformed inputs refused before any request; %d requests sent in all", len(cases), api.Calls())
	if api.Calls() != 0 {
		t.Errorf("requests were sent")
	}
}
