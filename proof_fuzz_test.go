package ddbguard_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// The guard texts every request must start with; the fuzz targets pin
// them so that a change to the guard is a visible decision.
const (
	pfGuardOwner  = "attribute_exists(#gk) AND #go = :gc"
	pfGuardEditor = "attribute_exists(#gk) AND (#go = :gc OR (attribute_type(#ge, :gt) AND contains(#ge, :gc)))"
	pfGuardCreate = "attribute_not_exists(#gk)"
	pfGuardVer    = " AND #gv = :gv"
)

// pfNoAPI fails the fuzz target, by a nil-interface panic, if a builder
// sends anything: the targets only build.
type pfNoAPI struct{ ddbguard.API }

func pfFuzzGuard(t *testing.T, keyTypes ...types.ScalarAttributeType) *ddbguard.Guard {
	s := ddbguard.Schema{Table: "fuzz", PartitionKey: pfPK, Owner: pfOwner, Version: pfVer,
		Editors: pfEditors, Protected: []string{pfCreated}, KeyTypes: keyTypes}
	if len(keyTypes) == 2 {
		s.SortKey = "sk"
	}
	g, err := ddbguard.New(pfNoAPI{}, s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// pfGuarded reports whether name is written only by the guard.
func pfGuarded(name string) bool {
	return pfContains([]string{pfPK, pfOwner, pfVer, pfEditors, pfCreated, "sk"}, name)
}

// pfTop returns the top-level attribute of an expression.Name path.
func pfTop(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// pfRefusal checks a builder's error: an *Error for one of the sentinels of
// a refusal before any request.
func pfRefusal(t *testing.T, err error) {
	var e *ddbguard.Error
	if !errors.As(err, &e) || e.Index != -1 || e.Cause != nil || e.Item != nil ||
		!pfContains([]string{"ErrUnauthenticated", "ErrInvalidInput", "ErrProtectedAttribute"}, pfErrName(err)) {
		t.Fatalf("refusal %v (%s): want an *Error with ErrUnauthenticated, ErrInvalidInput or ErrProtectedAttribute", err, pfErrName(err))
	}
}

var pfExprWords = map[string]bool{
	"SET": true, "REMOVE": true, "ADD": true, "DELETE": true, "AND": true, "OR": true, "NOT": true,
	"BETWEEN": true, "IN": true, "attribute_exists": true, "attribute_not_exists": true,
	"attribute_type": true, "begins_with": true, "contains": true, "size": true,
	"if_not_exists": true, "list_append": true,
}

// pfCheckExpr checks the expression texts of a request: the condition
// starts with guard and has no top-level OR that could bypass it; every
// bare word is a keyword of the grammar (so no input name appears raw);
// every #name and :value placeholder is defined and every definition is
// used; every name is one DynamoDB stores as given (non-empty, at most 255
// bytes, valid UTF-8); and every name in want is aliased.
func pfCheckExpr(t *testing.T, guard string, cond, update *string, names map[string]string, values map[string]types.AttributeValue, want ...string) {
	t.Helper()
	if cond == nil || !strings.HasPrefix(*cond, guard) {
		t.Fatalf("condition %v does not start with the guard %q", cond, guard)
	}
	used := map[string]bool{}
	for i, text := range []*string{cond, update} {
		if text == nil {
			continue
		}
		depth, s := 0, *text
		for j := 0; j < len(s); {
			c, k := s[j], j+1
			word := func() string {
				for k < len(s) && (s[k] == '_' || s[k] >= '0' && s[k] <= '9' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z') {
					k++
				}
				return s[j:k]
			}
			switch {
			case c == '#' || c == ':':
				if w := word(); len(w) < 2 {
					t.Fatalf("empty placeholder in %q", s)
				} else {
					used[w] = true
				}
			case c >= '0' && c <= '9':
				word() // a list index
			case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				if w := word(); !pfExprWords[w] {
					t.Fatalf("raw word %q in %q", w, s)
				} else if w == "OR" && depth == 0 && i == 0 {
					t.Fatalf("top-level OR in condition %q", s)
				}
			case c == '(':
				depth++
			case c == ')':
				if depth--; depth < 0 {
					t.Fatalf("unbalanced parentheses in %q", s)
				}
			case strings.IndexByte(" ,.[]=<>+-", c) < 0:
				t.Fatalf("unexpected %q in %q", c, s)
			}
			j = k
		}
	}
	for k := range names {
		if !used[k] {
			t.Fatalf("name placeholder %s defined but unused (DynamoDB refuses it)", k)
		}
	}
	for k := range values {
		if !used[k] {
			t.Fatalf("value placeholder %s defined but unused (DynamoDB refuses it)", k)
		}
	}
	for k := range used {
		_, isName := names[k]
		_, isValue := values[k]
		if !isName && !isValue {
			t.Fatalf("placeholder %s is used but not defined", k)
		}
	}
	aliased := map[string]bool{}
	for _, n := range names {
		if n == "" || len(n) > 255 || !utf8.ValidString(n) {
			t.Fatalf("name %q cannot be an attribute name: DynamoDB would refuse or rewrite it", n)
		}
		aliased[n] = true
	}
	for _, n := range want {
		if !aliased[n] {
			t.Fatalf("name %q is not in ExpressionAttributeNames %v", n, names)
		}
	}
}

// pfIsS reports whether av is the string s.
func pfIsS(av types.AttributeValue, s string) bool {
	x, ok := av.(*types.AttributeValueMemberS)
	return ok && x.Value == s
}

// FuzzUpdateBuilder builds updates and transfers from arbitrary callers,
// keys, attribute names and values, With paths and If conditions: no
// panic, every refusal a typed one, nothing guarded ever written, and
// every request carrying the guard with all names aliased.
func FuzzUpdateBuilder(f *testing.F) {
	f.Add("alice", "k1", "title", "hello", int64(1), uint8(0), "a.b[0]")
	f.Fuzz(func(t *testing.T, caller, pk, name, value string, n int64, op uint8, path string) {
		g := pfFuzzGuard(t)
		u, guard := g.Update(caller, ddbguard.Key{PK: pk}), pfGuardEditor
		if op&1 != 0 {
			u, guard = g.Transfer(caller, ddbguard.Key{PK: pk}, value), pfGuardOwner
		}
		want := []string{pfPK, pfOwner}
		switch op >> 1 & 3 {
		case 0:
			u.Set(name, value)
		case 1:
			u.Add(name, n)
		case 2:
			u.Remove(name)
		case 3:
			u.Set(name, map[string]any{value: n, "l": []any{value}})
		}
		want = append(want, name)
		written := []string{name}
		switch op >> 3 & 3 {
		case 1:
			u.With(expression.Set(expression.Name(path), expression.Value(value)))
			written = append(written, pfTop(path))
		case 2:
			u.With(expression.Add(expression.Name(path), expression.Value(n)))
			written = append(written, pfTop(path))
		case 3:
			u.With(expression.Set(expression.Name("copy"), expression.IfNotExists(expression.Name(path), expression.Value(value))))
			written = append(written, "copy")
		}
		if op&32 != 0 {
			u.If(expression.Name(path).BeginsWith(value))
		}
		if op&64 != 0 {
			u.IfVersion(n)
			guard += pfGuardVer
		}
		in, err := u.Input()
		if strings.TrimSpace(caller) == "" && !errors.Is(err, ddbguard.ErrUnauthenticated) {
			t.Fatalf("blank caller %q: got %v", caller, err)
		}
		if err != nil {
			pfRefusal(t, err)
			return
		}
		for _, w := range written {
			if pfGuarded(w) {
				t.Fatalf("update writing %q was built: %s", w, *in.UpdateExpression)
			}
		}
		if !pfIsS(in.Key[pfPK], pk) || !pfIsS(in.ExpressionAttributeValues[":gc"], caller) ||
			in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
			t.Fatalf("key %v, caller %v, return values %q", in.Key, in.ExpressionAttributeValues[":gc"], in.ReturnValuesOnConditionCheckFailure)
		}
		if op&1 != 0 && !pfIsS(in.ExpressionAttributeValues[":gn"], value) {
			t.Fatalf("transfer to %q sets %v", value, in.ExpressionAttributeValues[":gn"])
		}
		pfCheckExpr(t, guard, in.ConditionExpression, in.UpdateExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, want...)
	})
}

// FuzzCreateReplaceItem builds creates and replaces of arbitrary items:
// the owner stored is always the caller (an item naming anyone else is
// refused), the version is the guard's, and the condition carries the
// guard.
func FuzzCreateReplaceItem(f *testing.F) {
	f.Add("alice", "k1", "title", "hello", "", uint8(0), int64(1))
	f.Fuzz(func(t *testing.T, caller, pk, name, value, owner string, op uint8, v int64) {
		g := pfFuzzGuard(t)
		item := map[string]any{pfPK: pk, name: value}
		if op&1 != 0 {
			item[pfOwner] = owner
		}
		if op&4 != 0 {
			item[pfCreated], item[pfEditors] = value, []string{owner}
		}
		var err error
		stored, guard, ver := map[string]types.AttributeValue(nil), pfGuardCreate, int64(1)
		var cond *string
		var names map[string]string
		var values map[string]types.AttributeValue
		if op&2 == 0 {
			c, e := g.Create(caller, item).Input()
			if err = e; e == nil {
				stored, cond, names, values = c.Item, c.ConditionExpression, c.ExpressionAttributeNames, c.ExpressionAttributeValues
			}
		} else {
			r, e := g.Replace(caller, item).IfVersion(v).Input()
			if err, guard, ver = e, pfGuardOwner+pfGuardVer, v+1; e == nil {
				stored, cond, names, values = r.Item, r.ConditionExpression, r.ExpressionAttributeNames, r.ExpressionAttributeValues
			}
		}
		if err != nil {
			pfRefusal(t, err)
			return
		}
		if !pfIsS(stored[pfOwner], caller) || strings.TrimSpace(caller) == "" {
			t.Fatalf("caller %q stored owner %v", caller, stored[pfOwner])
		}
		if claimed, _ := item[pfOwner].(string); claimed != "" && claimed != caller {
			t.Fatalf("item naming owner %q was built for caller %q", claimed, caller)
		}
		if n, ok := stored[pfVer].(*types.AttributeValueMemberN); !ok || n.Value != strconv.FormatInt(ver, 10) {
			t.Fatalf("version stored %v, want %d", stored[pfVer], ver)
		}
		pfCheckExpr(t, guard, cond, nil, names, values, pfPK)
	})
}

// FuzzKeysAndCallers builds deletes, transfers and a transaction with keys
// of every type against tables that declare key types: a key of the wrong
// type, empty, or with a missing or extra sort key is refused; a built
// request addresses exactly the key given; every transaction item keeps
// its guard.
func FuzzKeysAndCallers(f *testing.F) {
	f.Add("alice", "k1", []byte{1}, int64(7), uint8(0))
	// DynamoDB's key limits: 2048 bytes of partition key, 1024 of sort key.
	// (op&3 picks the declared type, op>>2 the key's, op&16 drops the sort key.)
	f.Add("alice", strings.Repeat("k", 2049), []byte{1}, int64(7), uint8(0))
	f.Add("alice", strings.Repeat("k", 1025), []byte{1}, int64(7), uint8(1))
	f.Add("alice", strings.Repeat("k", 1024), []byte{1}, int64(7), uint8(1))
	f.Add("alice", "k", make([]byte, 2049), int64(7), uint8(8|3))
	f.Add("alice", "k", make([]byte, 2047), int64(7), uint8(8|3)) // the policy key is one byte longer
	f.Fuzz(func(t *testing.T, caller, s string, b []byte, n int64, op uint8) {
		declared := []types.ScalarAttributeType{"", types.ScalarAttributeTypeS, types.ScalarAttributeTypeN, types.ScalarAttributeTypeB}[op&3]
		var g *ddbguard.Guard
		if declared == "" {
			g = pfFuzzGuard(t)
		} else {
			g = pfFuzzGuard(t, declared, types.ScalarAttributeTypeS)
		}
		pk, got := []any{s, n, b}[int(op>>2)%3], []types.ScalarAttributeType{"S", "N", "B"}[int(op>>2)%3]
		k := ddbguard.Key{PK: pk}
		if declared != "" && op&16 == 0 {
			k.SK = s
		}
		d, err := g.Delete(caller, k).Input()
		policy := ddbguard.Key{PK: []any{s + "!", n ^ 1, append([]byte{0}, b...)}[int(op>>2)%3], SK: k.SK} // another item
		tx, txErr := ddbguard.NewTx(pfNoAPI{}).Delete(g.Delete(caller, k)).
			Check(g.Check(policy, expression.Name("role").Equal(expression.Value(s)))).Input()
		if (err == nil) != (txErr == nil) {
			t.Fatalf("delete alone %v, in a transaction %v", err, txErr)
		}
		if err != nil {
			pfRefusal(t, err)
			return
		}
		empty := (got == "S" && s == "") || (got == "B" && len(b) == 0)
		switch {
		case strings.TrimSpace(caller) == "" || !utf8.ValidString(caller):
			t.Fatalf("caller %q was accepted", caller)
		case declared != "" && (got != declared || k.SK == nil || s == ""):
			t.Fatalf("key %#v accepted by a table declaring %s and a sort key", k, declared)
		case empty:
			t.Fatalf("empty key %#v accepted", k)
		case (got == "S" && len(s) > 2048) || (got == "B" && len(b) > 2048) || (k.SK != nil && len(s) > 1024):
			t.Fatalf("key over DynamoDB's size limits accepted: %d, %d bytes", len(s), len(b))
		case len(d.Key) != 1+len(g.Schema().KeyTypes)/2:
			t.Fatalf("key map %v", d.Key)
		}
		pfCheckExpr(t, pfGuardOwner, d.ConditionExpression, nil, d.ExpressionAttributeNames, d.ExpressionAttributeValues, pfPK, pfOwner)
		del, check := tx.TransactItems[0].Delete, tx.TransactItems[1].ConditionCheck
		pfCheckExpr(t, pfGuardOwner, del.ConditionExpression, nil, del.ExpressionAttributeNames, del.ExpressionAttributeValues, pfPK, pfOwner)
		pfCheckExpr(t, "attribute_exists(#gk) AND (", check.ConditionExpression, nil, check.ExpressionAttributeNames, check.ExpressionAttributeValues, pfPK, "role")
	})
}
