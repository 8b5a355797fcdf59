package ddbguardvet

import (
	"go/types"
	"strings"
)

// Import paths of the SDK packages whose types the checks match.
const (
	dynamodbPath = "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	typesPath    = dynamodbPath + "/types"
)

// writeKind describes one kind of DynamoDB write the analyzer tracks: an
// operation input (PutItemInput, ...) or a transaction item (types.Put, ...).
type writeKind struct {
	pkg    string // SDK package declaring the struct
	name   string // struct name
	op     string // operation whose calls send it; "" for transaction items
	txItem bool   // a types.Put/Update/Delete inside TransactWriteItems
	what   string // what is wrong, first part of the diagnostic
}

// writeKinds lists the inputs that must carry a condition.
var writeKinds = []*writeKind{
	{pkg: dynamodbPath, name: "PutItemInput", op: "PutItem",
		what: "PutItem without ConditionExpression or Expected overwrites the item whoever owns it"},
	{pkg: dynamodbPath, name: "UpdateItemInput", op: "UpdateItem",
		what: "UpdateItem without ConditionExpression or Expected changes (or creates) the item whoever owns it"},
	{pkg: dynamodbPath, name: "DeleteItemInput", op: "DeleteItem",
		what: "DeleteItem without ConditionExpression or Expected deletes the item whoever owns it"},
	{pkg: typesPath, name: "Put", txItem: true,
		what: "transaction Put without ConditionExpression: a transaction gives atomicity, not authorization"},
	{pkg: typesPath, name: "Update", txItem: true,
		what: "transaction Update without ConditionExpression: a transaction gives atomicity, not authorization"},
	{pkg: typesPath, name: "Delete", txItem: true,
		what: "transaction Delete without ConditionExpression: a transaction gives atomicity, not authorization"},
}

// harm says what an unconditioned write of each operation does.
var harm = map[string]string{
	"PutItem":    "overwrites the item whoever owns it",
	"UpdateItem": "changes (or creates) the item whoever owns it",
	"DeleteItem": "deletes the item whoever owns it",
}

// batchMsg is reported for every BatchWriteItem call: the API has no
// condition parameter at all.
const batchMsg = "BatchWriteItem can never carry a condition, so every put and delete in it is unguarded"

// Replacements named by the diagnostics, one per shape of write.
const (
	useTx     = "use ddbguard NewTx with guarded items (Tx.Update/Delete/Create/Replace)"
	useList   = "read the caller's items with ddbguard Guard.List (owner in the key condition), then write each with Guard.Update/Delete"
	useAdmin  = "for a system or job write of other users' items use ddbguard Guard.Admin(reason) (audited, still existence-checked)"
	raceFix   = " (the owner check runs inside the write)"
	useListRd = ", and read the caller's items with ddbguard Guard.List instead of a raw Query"
)

// advice names the guarded replacement for an unconditioned op of shape sh.
func advice(op string, sh shape) string {
	switch sh {
	case shapeList:
		return useList
	case shapeSystem:
		return useAdmin
	}
	switch op {
	case "PutItem":
		return "use ddbguard Guard.Create (a new item) or Guard.Replace (an existing one)"
	case "UpdateItem":
		return "use ddbguard Guard.Update (Guard.Transfer to change the owner)"
	case "DeleteItem":
		return "use ddbguard Guard.Delete"
	}
	return useTx
}

// readInputs names the inputs of the operations whose results count as a
// "time of check" when they reach an if condition.
var readInputs = map[string]string{
	"GetItemInput":          "GetItem",
	"QueryInput":            "Query",
	"ScanInput":             "Scan",
	"BatchGetItemInput":     "BatchGetItem",
	"TransactGetItemsInput": "TransactGetItems",
}

// conditionFields are the fields that make a write conditional.
var conditionFields = map[string]bool{"ConditionExpression": true, "Expected": true}

// isPkg reports whether path is want, possibly vendored.
func isPkg(path, want string) bool {
	return path == want || strings.HasSuffix(path, "/vendor/"+want)
}

// namedStruct returns the package path and name of t, or of the type t
// points to, when it is a named type.
func namedStruct(t types.Type) (pkg, name string, ok bool) {
	if p, isPtr := types.Unalias(t).(*types.Pointer); isPtr {
		t = p.Elem()
	}
	n, isNamed := types.Unalias(t).(*types.Named)
	if !isNamed || n.Obj().Pkg() == nil {
		return "", "", false
	}
	return n.Obj().Pkg().Path(), n.Obj().Name(), true
}

// kindOfPointer returns the write kind of a pointer to a tracked struct.
func kindOfPointer(t types.Type) *writeKind {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return nil
	}
	pkg, name, ok := namedStruct(p.Elem())
	if !ok {
		return nil
	}
	for _, k := range writeKinds {
		if k.name == name && isPkg(pkg, k.pkg) {
			return k
		}
	}
	return nil
}

// isDynamoInput reports whether t is *dynamodb.<name>.
func isDynamoInput(t types.Type, name string) bool {
	if _, ok := types.Unalias(t).(*types.Pointer); !ok {
		return false
	}
	pkg, n, ok := namedStruct(t)
	return ok && n == name && isPkg(pkg, dynamodbPath)
}

// readOp returns the read operation whose input t is, or "".
func readOp(t types.Type) string {
	if _, ok := types.Unalias(t).(*types.Pointer); !ok {
		return ""
	}
	pkg, name, ok := namedStruct(t)
	if !ok || !isPkg(pkg, dynamodbPath) {
		return ""
	}
	return readInputs[name]
}

// fieldName returns the name of field i of the struct that ptr points to.
func fieldName(ptr types.Type, i int) string {
	p, ok := types.Unalias(ptr).(*types.Pointer)
	if !ok {
		return ""
	}
	s, ok := p.Elem().Underlying().(*types.Struct)
	if !ok || i >= s.NumFields() {
		return ""
	}
	return s.Field(i).Name()
}

// isConditionField reports whether field i of the struct that ptr points to
// is ConditionExpression or Expected.
func isConditionField(ptr types.Type, i int) bool {
	p, ok := types.Unalias(ptr).(*types.Pointer)
	if !ok {
		return false
	}
	s, ok := p.Elem().Underlying().(*types.Struct)
	if !ok || i >= s.NumFields() {
		return false
	}
	return conditionFields[s.Field(i).Name()]
}

// stdRoots are the first path elements of the standard library's packages.
var stdRoots = map[string]bool{
	"archive": true, "bufio": true, "bytes": true, "cmp": true, "compress": true,
	"container": true, "context": true, "crypto": true, "database": true,
	"debug": true, "embed": true, "encoding": true, "errors": true, "expvar": true,
	"flag": true, "fmt": true, "go": true, "hash": true, "html": true, "image": true,
	"index": true, "internal": true, "io": true, "iter": true, "log": true,
	"maps": true, "math": true, "mime": true, "net": true, "os": true, "path": true,
	"plugin": true, "reflect": true, "regexp": true, "runtime": true,
	"slices": true, "sort": true, "strconv": true, "strings": true, "structs": true,
	"sync": true, "syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "weak": true,
}

// isStdlib reports whether path belongs to the standard library.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return stdRoots[first]
}

// printers are the standard packages that only read what they are given
// (unlike encoding/json or reflect, which can set a condition).
var printers = map[string]bool{"fmt": true, "log": true, "log/slog": true, "testing": true}
