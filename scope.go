package ddbguard

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Limits of a view's inputs.
const (
	maxTenantLen = 1024 // a tenant is also OwnerIndex's sort key
	maxReasonLen = 512
)

// ForTenant returns a view of g whose every operation is confined to
// tenant: every condition also requires the item's Schema.Tenant attribute
// to be tenant, Create and Replace stamp it, and every item the view reads
// back is judged as another tenant's, and so as ErrNotOwner, unless its
// tenant is tenant. The same owner id in two tenants is two people.
//
// A view that cannot confine fails closed: on a Schema without Tenant, on
// a view that already has a tenant (even the same one), or with a blank
// tenant (ErrUnauthenticated) or one longer than 1024 bytes or not valid
// UTF-8 (ErrInvalidInput), every operation of the view fails and sends
// nothing. g itself is never changed. The view costs one allocation.
func (g *Guard) ForTenant(tenant string) *Guard {
	v := *g
	v.tenant = tenant
	v.closeFor(g.tenantError(tenant))
	return &v
}

// Admin returns an Admin view of g, for support tools and jobs that must
// write items they do not own. Its Update, Transfer, AddEditors,
// RemoveEditors, Delete, Replace and Get skip only the owner and editors
// comparison; existence, IfVersion, If, Protected and guarded names, key
// validation, the tenant and typed errors all stay. The caller argument of
// every builder names the acting admin or job; it is required and
// recorded. Every operation of the view reaches the WithAudit hook, with
// Admin true and Why set to reason.
//
// reason must be 1 to 512 bytes of valid UTF-8 without control characters;
// otherwise every operation of the view fails with ErrInvalidInput and
// sends nothing. The reason never appears in an error message. On a Schema
// with Tenant the view also needs ForTenant: there is no cross-tenant
// admin. g itself is never changed.
func (g *Guard) Admin(reason string) *AdminGuard {
	a := &AdminGuard{g: *g}
	a.g.admin = true
	if err := reasonError(reason); err != nil {
		a.g.closeFor(err)
	} else {
		a.g.why = reason
	}
	return a
}

// AdminGuard is an Admin view of a Guard (see Guard.Admin). It is a wider
// view than a Guard, so it has its own type: it cannot be passed where a
// user-scoped *Guard is expected. Its builders return the Guard's builder
// types, so that a Tx mixes views freely; every item keeps its own view.
type AdminGuard struct {
	g Guard
}

// ForTenant returns the Admin view confined to tenant, as Guard.ForTenant
// does: g.ForTenant(t).Admin(r) and g.Admin(r).ForTenant(t) are the same
// view. a itself is never changed.
func (a *AdminGuard) ForTenant(tenant string) *AdminGuard {
	v := &AdminGuard{g: a.g}
	v.g.tenant = tenant
	v.g.closeFor(a.g.tenantError(tenant))
	return v
}

// Admin fails closed: an Admin view of an Admin view cannot say whose
// reason stands, so every operation of the returned view fails with
// ErrInvalidInput and sends nothing.
func (a *AdminGuard) Admin(string) *AdminGuard {
	v := &AdminGuard{g: a.g}
	v.g.closeFor(&scopeError{ErrInvalidInput, "admin view of an admin view"})
	return v
}

// Update starts an update of the item at k by the acting admin, allowed
// whoever owns the item.
func (a *AdminGuard) Update(admin string, k Key) *GuardedUpdate { return a.g.Update(admin, k) }

// Transfer starts an update that gives the item at k to newOwner, whoever
// owns it now; the editors are cleared. It is the only way an admin
// changes an item's owner.
func (a *AdminGuard) Transfer(admin string, k Key, newOwner string) *GuardedUpdate {
	return a.g.Transfer(admin, k, newOwner)
}

// AddEditors starts an update that adds editors to the item at k.
func (a *AdminGuard) AddEditors(admin string, k Key, editors ...string) *GuardedUpdate {
	return a.g.AddEditors(admin, k, editors...)
}

// RemoveEditors starts an update that removes editors from the item at k.
func (a *AdminGuard) RemoveEditors(admin string, k Key, editors ...string) *GuardedUpdate {
	return a.g.RemoveEditors(admin, k, editors...)
}

// Delete starts a delete of the item at k, whoever owns it.
func (a *AdminGuard) Delete(admin string, k Key) *GuardedDelete { return a.g.Delete(admin, k) }

// Create starts a create of item on behalf of the owner the item names,
// which it must (else ErrInvalidInput and nothing is sent); admin is the
// acting admin, recorded in the audit event.
func (a *AdminGuard) Create(admin string, item any) *GuardedCreate { return a.g.Create(admin, item) }

// Replace starts a replace of the item under item's key. The item must
// name its owner, and the condition requires the stored owner to be that
// owner: a different stored owner is ErrConflict, with the stored item in
// Error.Item. An admin changes an owner only with Transfer.
func (a *AdminGuard) Replace(admin string, item any) *GuardedReplace {
	return a.g.Replace(admin, item)
}

// Get reads the item at k into out, whoever owns it, with a strongly
// consistent read.
func (a *AdminGuard) Get(ctx context.Context, admin string, k Key, out any) error {
	return a.g.Get(ctx, admin, k, out)
}

// Check starts a policy check, as Guard.Check does in the underlying view.
func (a *AdminGuard) Check(k Key, cond expression.ConditionBuilder) *GuardedCheck {
	return a.g.Check(k, cond)
}

// List fails with ErrInvalidInput and sends nothing: listing another
// owner's items needs an owner argument, which List does not take.
func (a *AdminGuard) List(admin string) *GuardedList {
	l := &GuardedList{op: a.g.start("list", admin)}
	l.fail(ErrInvalidInput, "List in an admin view")
	return l
}

// scopeError is why a view cannot confine its operations.
type scopeError struct {
	err    error
	detail string
}

func (s *scopeError) errorOf(o *op) *Error {
	return &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Err: s.err, detail: s.detail}
}

var errNeedsTenant = &scopeError{ErrInvalidInput, "schema has Tenant: use a ForTenant view"}

// closeFor closes the view with err unless it is closed already: the
// first reason a view cannot confine stands.
func (g *Guard) closeFor(err *scopeError) {
	if g.closed == nil && err != nil {
		g.closed = err
	}
}

// unconfined returns why g's operations cannot be confined, or nil.
func (g *Guard) unconfined() *scopeError {
	if g.closed != nil {
		return g.closed
	}
	if g.s.Tenant != "" && g.tenant == "" {
		return errNeedsTenant
	}
	return nil
}

// tenantError returns why g cannot become a view of tenant, or nil.
func (g *Guard) tenantError(tenant string) *scopeError {
	switch {
	case g.s.Tenant == "":
		return &scopeError{ErrInvalidInput, "schema has no Tenant"}
	case g.tenant != "":
		return &scopeError{ErrInvalidInput, "view has a tenant already"}
	case strings.TrimSpace(tenant) == "":
		return &scopeError{ErrUnauthenticated, "empty tenant"}
	case len(tenant) > maxTenantLen || !validUTF8(tenant):
		return &scopeError{ErrInvalidInput, "tenant must be valid UTF-8 of at most 1024 bytes"}
	}
	return nil
}

// reasonError returns why reason cannot be an admin's stated reason, or
// nil. The reason itself is never quoted: it may hold anything.
func reasonError(reason string) *scopeError {
	bad := reason == "" || len(reason) > maxReasonLen || !validReason(reason)
	if bad {
		return &scopeError{ErrInvalidInput, "admin reason must be 1 to 512 bytes of UTF-8 without control characters"}
	}
	return nil
}

// validReason reports whether reason is valid UTF-8 without control
// characters, a word at a time while it is printable ASCII.
func validReason(reason string) bool {
	i := 0
	for ; i+8 <= len(reason); i += 8 {
		if !printable(word(reason[i:])) {
			break
		}
	}
	for ; i < len(reason); i++ {
		switch c := reason[i]; {
		case c >= utf8.RuneSelf:
			rest := reason[i:]
			return utf8.ValidString(rest) && strings.IndexFunc(rest, unicode.IsControl) < 0
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return true
}

// printable reports whether every byte of w is printable ASCII, 0x20 to
// 0x7e: none has its high bit, none is below 0x20 and none is 0x7f.
func printable(w uint64) bool {
	const ones = 0x0101010101010101
	// A byte below 0x20 borrows through its high bit when 0x20 is taken
	// from it; so does 0x7f once 0x01 is added to it (as 0x80, a byte with
	// its high bit set). Bytes of w with the high bit set are caught
	// first, so neither test sees a carry from them.
	if w&highBits != 0 {
		return false
	}
	below := (w - 0x20*ones) & highBits
	del := (w + ones) & highBits
	return below == 0 && del == 0
}

// tenantTerm reports whether g's conditions carry the tenant term. With
// the tenant as partition key the key names it, checked before sending
// (checkTenantKey), and DynamoDB refuses key attributes in the filter of
// a classification Query.
func (g *Guard) tenantTerm() bool {
	return g.tenant != "" && g.s.Tenant != g.s.PartitionKey
}

// inTenant reports whether item belongs to g's tenant; every item is in
// the tenant of a Guard without one. It is the first test of every check
// made in Go.
func (g *Guard) inTenant(item map[string]types.AttributeValue) bool {
	if g.tenant == "" {
		return true
	}
	s, ok := item[g.s.Tenant].(*types.AttributeValueMemberS)
	return ok && s.Value == g.tenant
}

// checkTenantKey reports whether the key av may be addressed by g: with the
// tenant as partition key, the key's partition key must be the tenant.
func (g *Guard) checkTenantKey(av map[string]types.AttributeValue) bool {
	if g.tenant == "" || g.s.Tenant != g.s.PartitionKey {
		return true
	}
	s, ok := av[g.s.PartitionKey].(*types.AttributeValueMemberS)
	return ok && s.Value == g.tenant
}

// stampTenant sets item's tenant to g's, in buf. A tenant attribute that
// is already there must be g's, or empty (a struct's zero value).
func (g *Guard) stampTenant(item map[string]types.AttributeValue, buf *types.AttributeValueMemberS, size *int) bool {
	if g.tenant == "" {
		return true
	}
	if g.s.Tenant == g.s.PartitionKey {
		return g.checkTenantKey(item)
	}
	av, ok := item[g.s.Tenant]
	if ok {
		s, isS := av.(*types.AttributeValueMemberS)
		if !isS || (s.Value != "" && s.Value != g.tenant) {
			return false
		}
	}
	buf.Value = g.tenant
	stamp(item, g.s.Tenant, av, buf, size)
	return true
}

// namesOwner reports whether item names the owner an Admin view writes
// it for: a non-blank UTF-8 string, within an index key's limit when it is
// OwnerIndex's partition key.
func (g *Guard) namesOwner(item map[string]types.AttributeValue) bool {
	s, ok := item[g.s.Owner].(*types.AttributeValueMemberS)
	return ok && strings.TrimSpace(s.Value) != "" && utf8.ValidString(s.Value) &&
		(g.s.OwnerIndex == "" || len(s.Value) <= maxPartitionKey)
}

// putTenant adds the tenant's value to a request whose condition carries
// the tenant term.
func (g *Guard) putTenant(values map[string]types.AttributeValue, gv *guardValues) {
	if g.tenantTerm() {
		gv.tenant.Value = g.tenant
		values[vTenant] = &gv.tenant
	}
}

// condShape is the ownership part of a guard condition.
type condShape uint8

const (
	shapeOwner  condShape = iota // the caller owns the item
	shapeEditor                  // the caller owns or edits the item
	shapeExists                  // an Admin view, or a Check: the item exists
	shapeStored                  // an Admin Replace: the owner is the body's
	shapeCheck                   // a Check: the item exists; no write, no WriteID
	nShapes
)

// condTable holds the guard condition of every shape, with and without
// the tenant term, the version term and the WriteID clause:
// [shape][tenant][version][writeID].
type condTable [nShapes][2][2][2]string

func newCondTable() *condTable {
	bases := [nShapes]string{condOwner, condEditor, condExists, condStored, condExists}
	t := new(condTable)
	for shape, base := range bases {
		for tenant := range 2 {
			for version := range 2 {
				c := base
				if tenant == 1 {
					c += condTenant
				}
				if version == 1 {
					c += condVersion
				}
				t[shape][tenant][version] = [2]string{c, c + condWriteID}
			}
		}
	}
	return t
}

// cond returns the guard condition of shape in g's view, ending with the
// WriteID clause when the Schema has WriteID and shape is a write's.
func (g *Guard) cond(shape condShape, version bool) string {
	wid := g.s.WriteID != "" && shape != shapeCheck
	return g.conds[shape][b2i(g.tenantTerm())][b2i(version)][b2i(wid)]
}

// condNoID is cond without the WriteID clause, for a Replace, whose kept
// attributes come before it.
func (g *Guard) condNoID(shape condShape, version bool) string {
	return g.conds[shape][b2i(g.tenantTerm())][b2i(version)][0]
}

// writeShape returns the shape of a write's guard: the caller owns the
// item (or edits it, with editors), or, in an Admin view, the item exists.
func (g *Guard) writeShape(editors bool) condShape {
	switch {
	case g.admin:
		return shapeExists
	case editors:
		return shapeEditor
	}
	return shapeOwner
}
