package ddbguard

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// request is what every builder compiles to before it becomes an SDK input
// or a transaction item.
type request struct {
	cond   string
	update string
	names  map[string]string
	values map[string]types.AttributeValue
	// onFail is what the request asks for when its condition fails:
	// ALL_OLD, or NONE under WithoutOldItem.
	onFail types.ReturnValuesOnConditionCheckFailure
}

// onFail returns what g's writes ask for when their condition fails.
func (g *Guard) onFail() types.ReturnValuesOnConditionCheckFailure {
	if g.noOld {
		return types.ReturnValuesOnConditionCheckFailureNone
	}
	return types.ReturnValuesOnConditionCheckFailureAllOld
}

// userExpr is the compiled form of With and If: the expression package's
// text, with its own "#0"/":0" placeholders.
type userExpr struct {
	cond    string
	updates [4]string // SET, REMOVE, ADD, DELETE bodies of With
	names   map[string]string
	values  map[string]types.AttributeValue
}

// Update sections in the order an UpdateExpression lists them.
const (
	secSet = iota
	secRemove
	secAdd
	secDelete
)

var sectionWords = [4]string{"SET", "REMOVE", "ADD", "DELETE"}

// compileUser builds the user's With update and If conditions in one
// expression.Builder so that their placeholders cannot collide.
func compileUser(with *expression.UpdateBuilder, conds []expression.ConditionBuilder) (*userExpr, error) {
	if with == nil && len(conds) == 0 {
		return nil, nil
	}
	b := expression.NewBuilder()
	if with != nil {
		b = b.WithUpdate(*with)
	}
	if len(conds) > 0 {
		c := conds[0]
		if len(conds) > 1 {
			c = expression.And(conds[0], conds[1], conds[2:]...)
		}
		b = b.WithCondition(c)
	}
	e, err := b.Build()
	if err != nil {
		return nil, err
	}
	// The SDK would send an invalid UTF-8 name as U+FFFD: another attribute.
	for _, n := range e.Names() {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	u := &userExpr{names: e.Names(), values: e.Values()}
	if c := e.Condition(); c != nil {
		u.cond = *c
	}
	if up := e.Update(); up != nil {
		for _, line := range strings.Split(*up, "\n") {
			word, body, _ := strings.Cut(line, " ")
			for i, w := range sectionWords {
				if w == word {
					u.updates[i] = body
				}
			}
		}
	}
	return u, nil
}

// topLevelNames returns the attribute names that the With update touches
// at the top level of an item: the first element of every path, on either
// side of an action.
func (u *userExpr) topLevelNames() []string {
	var out []string
	for _, body := range u.updates {
		out = append(out, topNames(body, u.names)...)
	}
	return out
}

// topNames returns the attributes that text, an expression package's
// text, names at the top level of an item: the names of the placeholders
// that begin a path.
func topNames(text string, names map[string]string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '#' || (i > 0 && text[i-1] == '.') {
			continue
		}
		j := i + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if name, ok := names[text[i:j]]; ok {
			out = append(out, name)
		}
		i = j - 1
	}
	return out
}

// merge copies the user's placeholders into the request's maps.
func (u *userExpr) merge(names map[string]string, values map[string]types.AttributeValue) {
	for k, v := range u.names {
		names[k] = v
	}
	for k, v := range u.values {
		values[k] = v
	}
}

func (u *userExpr) size() (names, values int) {
	if u == nil {
		return 0, 0
	}
	return len(u.names), len(u.values)
}

// withCond appends the user's precondition to the guard's condition.
func withCond(guard string, u *userExpr) string {
	if u == nil || u.cond == "" {
		return guard
	}
	return guard + " AND (" + u.cond + ")"
}

var namePH = [...]string{"#n0", "#n1", "#n2", "#n3", "#n4", "#n5", "#n6", "#n7", "#n8", "#n9"}
var valuePH = [...]string{":v0", ":v1", ":v2", ":v3", ":v4", ":v5", ":v6", ":v7", ":v8", ":v9"}

// placeholders returns the name and value placeholders of the i-th
// attribute that a builder names itself.
func placeholders(i int) (name, value string) {
	if i < len(namePH) {
		return namePH[i], valuePH[i]
	}
	n := strconv.Itoa(i)
	return "#n" + n, ":v" + n
}

// textLen returns the length of the With text, to size the update's buffer.
func (u *userExpr) textLen() int {
	if u == nil {
		return 0
	}
	n := 0
	for _, b := range u.updates {
		n += len(b) + 8
	}
	return n
}
