package ddbguard

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client that ddbguard uses. *dynamodb.Client
// satisfies it; so do ddbguardtest.API (a testify mock for unit tests),
// ddbguardtest.Counter and ddbguardtest.Faults. Query serves List and, under
// WithoutOldItem, the classification of a failed write.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Schema describes one table and the attributes that carry authorization.
type Schema struct {
	Table        string // required
	PartitionKey string // required
	SortKey      string // optional
	// Owner names the string attribute that holds the owner's id; "" means "owner".
	Owner string
	// Version optionally names a number attribute used for optimistic
	// locking: Create writes 1 and every Update, Replace and Transfer adds 1.
	Version string
	// Editors optionally names a string-set attribute whose members may
	// Update and Get the item, but not Delete, Replace or Transfer it, nor
	// change the editors. The owner manages it with AddEditors and
	// RemoveEditors.
	Editors string
	// Protected lists attributes that no Update may set or remove and that a
	// Replace must carry unchanged (for example "created_at").
	Protected []string
	// KeyTypes optionally declares the key attributes' types ("S", "N" or
	// "B", partition key first) so that a key of the wrong type is refused
	// before any request instead of by DynamoDB.
	KeyTypes []types.ScalarAttributeType
	// OwnerIndex optionally names a global secondary index whose partition
	// key is Owner: the index List queries.
	OwnerIndex string
	// OwnerIndexSortKey optionally names OwnerIndex's sort key. With Tenant
	// it must be Tenant, its default.
	OwnerIndexSortKey string
	// OwnerIndexSortKeyType optionally declares OwnerIndexSortKey's type, as
	// KeyTypes does for the table's keys.
	OwnerIndexSortKeyType types.ScalarAttributeType
	// Tenant optionally names the string attribute that holds the item's
	// tenant. Every operation then goes through a ForTenant view. It may
	// be PartitionKey.
	Tenant string
	// WriteID optionally names a string attribute where every write but
	// Delete stores a fresh random id of its own (crypto/rand.Text), while
	// every write but Create requires the stored id to be another one: a
	// retry of a write that landed fails on its own id and is reported as
	// success. This protects a write against its own retries until another
	// write lands on the item; exactly-once across other writes needs
	// IfVersion. It is a guarded attribute; mark it `json:"-"` in types
	// that a body is read into.
	WriteID string
}

// Key addresses one item. PK and SK marshal with attributevalue and must
// become a non-empty string, a number or non-empty binary. SK must be set
// exactly when the Schema has a SortKey.
type Key struct {
	PK, SK any
}

// AuditEvent describes a refused or conflicted guarded operation, or any
// operation of an Admin view. It carries no item data and never the
// identity of the item's owner.
type AuditEvent struct {
	Op     string
	Table  string
	Key    Key
	Caller string
	Reason error  // the sentinel, such as ErrNotOwner
	Index  int    // position in a Tx, -1 otherwise
	Tenant string // the view's tenant, "" outside a tenant view
	Admin  bool   // the operation ran in an Admin view
	Why    string // an Admin view's stated reason
	Failed bool   // the operation returned an error, classified or not
}

// Option configures a Guard.
type Option func(*Guard)

// WithAudit calls fn for every guarded operation that was refused, denied or
// conflicted (every *Error whose Err is set) and, in an Admin view, for
// every operation whatever its outcome (AuditEvent.Failed false means
// success). fn runs after DynamoDB answered, on the caller's goroutine, and
// must be safe for concurrent use; it cannot undo a write.
func WithAudit(fn func(context.Context, AuditEvent)) Option {
	return func(g *Guard) { g.audit = fn }
}

// WithKeyValidator makes every operation run fn on its Key before building a
// request, for example to check an id's format. An error from fn is
// reported as ErrInvalidInput, wrapping fn's error so that errors.Is finds
// both, and nothing is sent.
func WithKeyValidator(fn func(Key) error) Option {
	return func(g *Guard) { g.validKey = fn }
}

// WithoutOldItem makes no write ask for the stored item when its condition
// fails (ReturnValuesOnConditionCheckFailure NONE), so that no answer carries
// an item the caller may not see and a refusal's size and time do not grow
// with someone else's item. A failed write is then classified by one
// consistent Query of its key that returns only what the caller may see, and
// Get becomes one such Query. Error.Item is always nil; success paths are
// unchanged.
func WithoutOldItem() Option {
	return func(g *Guard) { g.noOld = true }
}

// Guard builds and runs ownership-guarded operations on one table. It is
// immutable after New and safe for concurrent use; the builders it returns
// are not.
type Guard struct {
	// guardCore is what New works out; views share it.
	*guardCore
	// tenant is the tenant of a ForTenant view, "" for the bare Guard:
	// every operation of a view is confined to its tenant (scope.go).
	tenant string
	// admin marks the Guard inside an AdminGuard; why is its reason.
	admin bool
	why   string
	// closed is set on a view that cannot confine its operations: every
	// builder of the view fails with it and sends nothing (scope.go).
	closed *scopeError
}

// guardCore is the part of a Guard that New writes and nothing changes
// afterwards, shared by the Guard and its views: a view copies only its
// own few fields and a pointer.
type guardCore struct {
	api      API
	s        Schema
	audit    func(context.Context, AuditEvent)
	validKey func(Key) error
	guarded  map[string]struct{} // names no Set, Add, Remove or With may touch
	// conds holds the guard condition of every shape, the WriteID clause
	// included, written once by New and shared by the Guard's views.
	conds *condTable
	// noOld is WithoutOldItem: no write asks for ALL_OLD (oldless.go).
	noOld bool
	// setText[n-1] is the UpdateExpression of an update made of n Set
	// clauses (and the version increment), written once by New.
	setText [4]string
	// list is what List sends and accepts, worked out by New; nil without
	// Schema.OwnerIndex (list.go).
	list *listPlan
	// names holds the guard's own names of every request shape,
	// [tenant][owner][version][editors], written once by New and shared
	// by the Guard's views: a request gets a clone of one (guardNames).
	names *[2][2][2][2]map[string]string
	// probeText holds the projections of WithoutOldItem's classification
	// Queries without kept attributes, [tenant][owner] (oldless.go).
	probeText *[2][2]string
	// cursorAEAD seals List cursors (WithCursorKey), nil when they are plain.
	cursorAEAD cipher.AEAD
	// optErr is the first error of an Option, which New reports.
	optErr error
}

// Placeholders of the guard's own names and values. The expression package
// generates "#0", ":0", …, and Set, Add and Remove use "#n0", ":v0", …, so
// these can never collide with either.
const (
	phPK      = "#gk"
	phOwner   = "#go"
	phVersion = "#gv"
	phEditors = "#ge"
	vCaller   = ":gc"
	vVersion  = ":gv"
	vOne      = ":g1"
	vSetType  = ":gt"
	vNewOwner = ":gn"
	vEditors  = ":ge"
	vOwner    = ":go" // an Admin Replace's stored owner (phTenant and vTenant: list.go)
	phWriteID = "#gw"
	vWriteID  = ":gw"

	condCreate  = "attribute_not_exists(" + phPK + ")"
	condOwner   = "attribute_exists(" + phPK + ") AND " + phOwner + " = " + vCaller
	condEditor  = "attribute_exists(" + phPK + ") AND (" + phOwner + " = " + vCaller + " OR (attribute_type(" + phEditors + ", " + vSetType + ") AND contains(" + phEditors + ", " + vCaller + ")))"
	condVersion = " AND " + phVersion + " = " + vVersion
	condExists  = "attribute_exists(" + phPK + ")"
	condStored  = condExists + " AND " + phOwner + " = " + vOwner
	condTenant  = " AND " + phTenant + " = " + vTenant
)

// New returns a Guard for the table that s describes, or an ErrInvalidInput
// *Error when s is incomplete or contradictory.
func New(api API, s Schema, opts ...Option) (*Guard, error) {
	if s.Owner == "" {
		s.Owner = "owner"
	}
	s.Protected = append([]string(nil), s.Protected...)
	s.KeyTypes = append([]types.ScalarAttributeType(nil), s.KeyTypes...)
	g := &Guard{guardCore: &guardCore{api: api, s: s, guarded: make(map[string]struct{})}}
	if err := g.checkSchema(); err != nil {
		return nil, &Error{Op: "new", Table: s.Table, Index: -1, Err: ErrInvalidInput, detail: err.Error()}
	}
	for _, opt := range opts {
		opt(g)
	}
	if g.optErr != nil {
		return nil, &Error{Op: "new", Table: s.Table, Index: -1, Err: ErrInvalidInput, detail: g.optErr.Error()}
	}
	g.writeConds()
	g.writeNames()
	g.writeProbeText()
	g.writeSetText()
	return g, nil
}

func (g *Guard) checkSchema() error {
	s := &g.s
	switch {
	case g.api == nil:
		return errors.New("nil API")
	case s.Table == "" || s.PartitionKey == "":
		return errors.New("schema needs Table and PartitionKey")
	case len(s.KeyTypes) > 2 || (len(s.KeyTypes) == 2 && s.SortKey == ""):
		return errors.New("schema has more KeyTypes than keys")
	}
	for _, t := range s.KeyTypes {
		if t != types.ScalarAttributeTypeS && t != types.ScalarAttributeTypeN && t != types.ScalarAttributeTypeB {
			return fmt.Errorf("key type %q is not S, N or B", t)
		}
	}
	// Every attribute the guard owns is a valid name, named once.
	names := []string{s.PartitionKey, s.Owner}
	for _, optional := range []string{s.SortKey, s.Version, s.Editors, s.WriteID} {
		if optional != "" {
			names = append(names, optional)
		}
	}
	// The tenant may be the partition key (then the key names the tenant);
	// any other guarded attribute would hold two meanings.
	if s.Tenant != "" && s.Tenant != s.PartitionKey {
		names = append(names, s.Tenant)
	}
	for _, n := range append(names, s.Protected...) {
		if err := checkName(n); err != nil {
			return err
		}
		// Conditions name guarded attributes as top-level names; a path
		// would compare something else than what the guard writes.
		if strings.ContainsAny(n, ".[") {
			return fmt.Errorf("attribute %q: guarded names may not contain \".\" or \"[\"", n)
		}
		if g.isGuarded(n) {
			return fmt.Errorf("schema names attribute %q twice", n)
		}
		g.guarded[n] = struct{}{}
	}
	return g.planList()
}

// checkName reports whether n can be an attribute name.
func checkName(n string) error {
	switch {
	case n == "":
		return errors.New("empty attribute name")
	case len(n) > 255:
		return errors.New("attribute name longer than 255 bytes")
	case !validUTF8(n):
		return errors.New("attribute name is not valid UTF-8")
	}
	return nil
}

// validUTF8 is utf8.ValidString, quicker on the short ASCII strings that
// names, ids and keys usually are.
func validUTF8(s string) bool {
	if len(s) < 8 {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return utf8.ValidString(s)
			}
		}
		return true
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if word(s[i:])&highBits != 0 {
			return utf8.ValidString(s[i:])
		}
	}
	// The last word overlaps the ones checked: the tail in one load.
	return i == len(s) || word(s[len(s)-8:])&highBits == 0 || utf8.ValidString(s[i-8:])
}

// blank reports whether s is empty or only white space, as
// strings.TrimSpace(s) == "" does, at once for an id that starts with a
// printable ASCII character.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < 0x7f {
		return false
	}
	return strings.TrimSpace(s) == ""
}

// highBits has the high bit of every byte of a word set: a word of ASCII
// bytes has none of them.
const highBits = 0x8080808080808080

// word returns the first 8 bytes of s (at least 8 long) as one word,
// which the compiler loads at once.
func word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// Schema returns the table's schema, with defaults applied.
func (g *Guard) Schema() Schema {
	s := g.s
	s.Protected = append([]string(nil), s.Protected...)
	s.KeyTypes = append([]types.ScalarAttributeType(nil), s.KeyTypes...)
	return s
}

// op is the part every builder shares: who asks, for what, and the first
// error met while building.
type op struct {
	g      *Guard
	name   string
	caller string
	key    Key
	av     map[string]types.AttributeValue // the marshalled key
	err    *Error
	// wid is the write's id under Schema.WriteID, "" until drawn
	// (writeid.go).
	wid string
	// ran says a Run of the builder has ended, so a setter changes the
	// write and draws a new id.
	ran bool
	// tx is the transaction the builder was added to; it belongs to it.
	tx *Tx
	// inDoubt says the builder's previous Run ended without DynamoDB's
	// answer, so that write may have been applied.
	inDoubt bool
	// attempts counts the SDK's attempts of the current call of a create,
	// whose landing can be recognized (retry.go).
	attempts attempts
	// keyS holds a string partition key's value, so that the key map
	// points into the builder instead of a value of its own.
	keyS types.AttributeValueMemberS
	// item is the item of a create or replace, whose key map av is made
	// only when a transaction or a classification needs it (keyAV).
	item map[string]types.AttributeValue
}

// keyOf returns the Key of errors and audit events: the builder's, or the
// Go values of its item's key attributes, worked out on first use.
func (o *op) keyOf() Key {
	if o.key.PK == nil && o.key.SK == nil && o.item != nil {
		o.key = itemKeyOf(&o.g.s, o.item)
	}
	return o.key
}

// keyAV returns the marshalled key, making it from the item of a create or
// replace on first use.
func (o *op) keyAV() map[string]types.AttributeValue {
	if o.av == nil && o.item != nil && o.err == nil {
		o.av = o.g.keyMap(o.item[o.g.s.PartitionKey], o.item[o.g.s.SortKey])
	}
	return o.av
}

// start begins a builder on behalf of caller, refusing an empty caller.
func (g *Guard) start(name, caller string) op {
	o := op{g: g, name: name, caller: caller}
	switch {
	case g.unconfined() != nil:
		o.err = g.unconfined().errorOf(&o)
	case blank(caller):
		o.fail(ErrUnauthenticated, "empty caller")
	case !validUTF8(caller):
		o.fail(ErrInvalidInput, "caller is not valid UTF-8")
	case g.s.OwnerIndex != "" && len(caller) > maxPartitionKey:
		// The owner is OwnerIndex's partition key: DynamoDB would refuse it.
		o.fail(ErrInvalidInput, "caller longer than 2048 bytes, an index key's limit")
	}
	return o
}

// newOp begins a builder for the item at k.
func (g *Guard) newOp(name, caller string, k Key) op {
	o := g.start(name, caller)
	g.keyOp(&o, k, nil)
	return o
}

// initOp begins the builder o, on the heap, for the item at k; a string
// partition key's value is kept in o itself.
func (g *Guard) initOp(o *op, name, caller string, k Key) {
	*o = g.start(name, caller)
	g.keyOp(o, k, &o.keyS)
}

// keyOp gives the builder o the key k, marshalled; a string partition
// key's value goes into pk when it is not nil.
func (g *Guard) keyOp(o *op, k Key, pk *types.AttributeValueMemberS) {
	o.key = k
	if o.err != nil {
		o.err.Key = k // start refused the caller before the key was known
		return
	}
	if s, ok := k.PK.(string); ok && pk != nil && k.SK == nil && g.s.SortKey == "" && g.validKey == nil &&
		g.keyType(0) != types.ScalarAttributeTypeN && g.keyType(0) != types.ScalarAttributeTypeB &&
		s != "" && len(s) <= maxPartitionKey && validUTF8(s) {
		// The common key, a valid string partition key: what
		// marshalKeyAs would do, without its general cases.
		pk.Value = s
		o.av = map[string]types.AttributeValue{g.s.PartitionKey: pk}
		if !g.checkTenantKey(o.av) {
			o.av = nil
			o.fail(ErrNotOwner, "")
		}
		return
	}
	av, err := g.marshalKeyAs(k, k, pk)
	if err != nil {
		o.failWith(ErrInvalidInput, err)
		return
	}
	if !g.checkTenantKey(av) {
		o.fail(ErrNotOwner, "")
		return
	}
	o.av = av
}

// failWith records the first error of a builder, keeping err reachable
// with errors.Is (a key validator's error, say).
func (o *op) failWith(sentinel, err error) {
	if o.err == nil {
		o.err = o.errorf(sentinel, err.Error())
		o.err.inner = err
	}
}

// fail records the first error of a builder.
func (o *op) fail(sentinel error, detail string) {
	if o.err == nil {
		o.err = o.errorf(sentinel, detail)
	}
}

func (o *op) errorf(sentinel error, detail string) *Error {
	return &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Err: sentinel, detail: detail}
}

// guardNames returns the names map of a request, sized for extra more
// entries, holding the guard's own placeholders.
func (o *op) guardNames(extra int, owner, version, editors bool) map[string]string {
	// A create's condition is only that no item exists: the tenant is
	// stamped in its body instead.
	tenant := o.g.tenantTerm() && o.name != "create"
	n := 1 + extra + b2i(owner) + b2i(version) + b2i(editors) + b2i(tenant)
	if t := o.g.names; t != nil && n <= smallMap {
		// A clone copies the small map's one group of slots, with room
		// for the extra entries, instead of hashing every name again.
		// Every request gets a map of its own: the SDK and the API's
		// wrappers may change what they are handed.
		return maps.Clone(t[b2i(tenant)][b2i(owner)][b2i(version)][b2i(editors)])
	}
	return o.g.newNames(n, tenant, owner, version, editors)
}

// smallMap is the number of entries a map holds in its first group of
// slots (Go's map implementation): a clone of a map made for up to that
// many entries takes them all without growing.
const smallMap = 8

// newNames returns a names map for n entries holding the guard's own
// placeholders of one request shape.
func (g *Guard) newNames(n int, tenant, owner, version, editors bool) map[string]string {
	s := &g.s
	names := make(map[string]string, n)
	names[phPK] = s.PartitionKey
	if tenant {
		names[phTenant] = s.Tenant
	}
	if owner {
		names[phOwner] = s.Owner
	}
	if version {
		names[phVersion] = s.Version
	}
	if editors {
		names[phEditors] = s.Editors
	}
	return names
}

// writeNames fills g.names. Each map is made for smallMap entries, so
// that its clones take a request's extra names without growing.
func (g *Guard) writeNames() {
	t := new([2][2][2][2]map[string]string)
	for i := range 16 {
		tenant, owner, version, editors := i&8 != 0, i&4 != 0, i&2 != 0, i&1 != 0
		t[b2i(tenant)][b2i(owner)][b2i(version)][b2i(editors)] = g.newNames(smallMap, tenant, owner, version, editors)
	}
	g.names = t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isGuarded reports whether name is an attribute only the guard may write.
func (g *Guard) isGuarded(name string) bool {
	_, ok := g.guarded[name]
	return ok
}
