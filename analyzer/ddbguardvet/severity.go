package ddbguardvet

import (
	"go/constant"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Severities, as the diagnostics' Category.
const (
	severityHigh = "high"
	severityLow  = "low"
)

// lowReason returns why an unconditioned write needs no owner guard, which
// makes its finding low severity, or "":
//   - an increment-only update (ADD n :one, SET n = n + :one): a counter
//     nobody owns;
//   - a consume-once delete or a test-and-set update whose ReturnValues the
//     caller checks: the old item is the answer, so a lost race is seen.
func lowReason(a *allocInfo, sink ssa.CallInstruction) string {
	if a.kind.op == "UpdateItem" && incrementOnly(a.fields["UpdateExpression"]) {
		return "increment-only update"
	}
	if len(a.fields["ReturnValues"]) == 0 || sink.Value() == nil {
		return ""
	}
	if ifs, returned := taintedIfs(sink.Value(), ""); len(ifs) == 0 && !returned {
		return "" // asked for, never looked at
	}
	if a.kind.op == "DeleteItem" {
		return "consume-once delete, ReturnValues checked"
	}
	return "test-and-set update, ReturnValues checked"
}

// incrementOnly reports whether every value stored as the UpdateExpression
// is a constant that only adds to numbers, or an expression builder's
// update made only of Add.
func incrementOnly(vals []ssa.Value) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		s, ok := constString(v)
		if ok {
			if !incrementExpr(s) {
				return false
			}
			continue
		}
		if !builderAddsOnly(v) {
			return false
		}
	}
	return true
}

// constString returns the constant behind v: "..." or aws.String("...").
func constString(v ssa.Value) (string, bool) {
	if call, ok := v.(*ssa.Call); ok && len(call.Call.Args) == 1 {
		v = call.Call.Args[0]
	}
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(c.Value), true
}

// incrementExpr reports whether an update expression only adds to numbers:
// "ADD n :one, m :two" or "SET n = n + :one" (if_not_exists(n, :zero) too).
func incrementExpr(s string) bool {
	s = strings.TrimSpace(s)
	upper := strings.ToUpper(s)
	switch {
	case strings.HasPrefix(upper, "ADD "):
		for _, part := range strings.Split(s[4:], ",") {
			if f := strings.Fields(part); len(f) != 2 || !strings.HasPrefix(f[1], ":") {
				return false
			}
		}
		return true
	case strings.HasPrefix(upper, "SET "):
		for _, part := range splitTop(s[4:]) {
			if !selfIncrement(part) {
				return false
			}
		}
		return true
	}
	return false
}

// splitTop splits s at the commas outside parentheses.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// selfIncrement reports whether "n = n + :v" or "n = if_not_exists(n, :z) +
// :v" assigns a name its own value plus a placeholder.
func selfIncrement(part string) bool {
	lhs, rhs, ok := strings.Cut(part, "=")
	if !ok {
		return false
	}
	name := strings.TrimSpace(lhs)
	rhs = strings.ReplaceAll(rhs, " ", "")
	if rest, ok := strings.CutPrefix(rhs, "if_not_exists("+name+","); ok {
		_, after, found := strings.Cut(rest, ")")
		return found && strings.HasPrefix(after, "+:")
	}
	return strings.HasPrefix(rhs, name+"+:")
}

// builderAddsOnly reports whether v is expr.Update() of an expression built
// only from UpdateBuilder.Add calls.
func builderAddsOnly(v ssa.Value) bool {
	calls := map[string]int{}
	seen := map[ssa.Value]bool{}
	var walk func(ssa.Value)
	walk = func(v ssa.Value) {
		if v == nil || seen[v] {
			return
		}
		seen[v] = true
		switch x := v.(type) {
		case *ssa.Call:
			if calleePkgPath(&x.Call) != expressionPath {
				return
			}
			calls[calleeName(&x.Call)]++
			for _, a := range x.Call.Args {
				walk(a)
			}
		case *ssa.Extract:
			walk(x.Tuple)
		case *ssa.UnOp:
			walk(x.X)
		case *ssa.Alloc:
			for _, instr := range referrers(x) {
				if st, ok := instr.(*ssa.Store); ok {
					walk(st.Val)
				}
			}
		}
	}
	walk(v)
	if calls["Update"] == 0 || (calls["Add"] == 0) {
		return false
	}
	for _, name := range []string{"Set", "Remove", "Delete"} {
		if calls[name] > 0 {
			return false
		}
	}
	return true
}

// expressionPath is the SDK's expression builder package.
const expressionPath = "github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

// testHelperPkg returns a low-severity reason when a package is a test
// helper (fixtures and seeding outside _test.go files), or "".
func testHelperPkg(pkgPath string) string {
	elems := strings.Split(strings.ToLower(pkgPath), "/")
	for i, e := range elems {
		switch {
		case e == "testing" || e == "fixtures" || e == "fixture" || e == "seed" || e == "seeds",
			strings.HasPrefix(e, "testutil"), strings.HasPrefix(e, "testhelper"), strings.HasPrefix(e, "testfixture"),
			i == len(elems)-1 && strings.HasSuffix(e, "test") && !notTestWords[e]: // dbtest, storetest
			return "fixture in a test-helper package"
		}
	}
	return ""
}

// notTestWords end in "test" without being test helpers.
var notTestWords = map[string]bool{"latest": true, "contest": true, "protest": true, "attest": true, "greatest": true}
