// Package ddbguard makes DynamoDB writes ownership-guarded by construction.
//
// # The race it removes
//
// A service that authorizes a write by reading the item first,
//
//	item := GetItem(key)               // time of check
//	if item.owner != caller { 403 }
//	UpdateItem(key, SET value = :v)    // time of use
//
// has a time-of-check/time-of-use gap: between the two requests the item can
// be transferred, deleted and re-created by someone else under the same id,
// or moved to a new version. The write then lands on an item the caller no
// longer owns. ddbguard closes the gap by making DynamoDB check ownership in
// the write itself, with a ConditionExpression evaluated atomically with it:
// there is only one moment, so there is nothing to race.
//
// # Builders
//
// A [Guard] is made once per table with [New] and a [Schema] that names the
// key, owner, and optional version, editors and protected attributes. Its
// builders always carry the guard:
//
//   - [Guard.Update] and [Guard.Transfer] ([GuardedUpdate]):
//     attribute_exists(pk) AND owner = :caller, or, with Schema.Editors,
//     owner = :caller OR (attribute_type(editors, SS) AND contains(editors, :caller)).
//   - [Guard.Delete] ([GuardedDelete]) and [Guard.Replace] ([GuardedReplace]):
//     attribute_exists(pk) AND owner = :caller.
//   - [Guard.Create] ([GuardedCreate]): attribute_not_exists(pk), with the
//     owner stamped from the caller.
//   - [Guard.Get]: a consistent read that returns only the caller's items.
//   - [Guard.List] ([GuardedList]): the caller's own items, a page per
//     Query on Schema.OwnerIndex keyed by owner = :caller; its cursors are
//     bound to the index, the caller and the tenant, and [WithCursorKey]
//     seals them.
//   - [Guard.Check] ([GuardedCheck]) and [NewTx] ([Tx]): several guarded
//     writes and policy checks committed atomically.
//
// Conditions added with If are ANDed with the guard and can never replace
// it. Attributes the guard owns (key, owner, version, editors and
// Schema.Protected) cannot be written through Set, Add, Remove or With.
// Names are always aliased with #placeholders and values always passed as
// :placeholders; the guard's own placeholders (#g…, :g…) cannot collide with
// those of the expression package (#0, :0) or of the builders (#n0, :v0).
//
// # Views: tenants and admins
//
// With Schema.Tenant, every operation goes through [Guard.ForTenant]: each
// condition also requires the item's tenant (#gt = :gtn), Create and
// Replace stamp it, and every check made in Go tests it first, so the same
// user id in two tenants is two people; the bare Guard refuses everything.
// [Guard.Admin] returns an [AdminGuard], a wider view with its own type for
// support tools and jobs: its writes skip only the owner and editors
// comparison, keep every other guard, and reach the [WithAudit] hook with
// the acting admin and the stated reason, whatever their outcome. Views
// compose in either order, never change their parent, and fail closed when
// they cannot confine.
//
// Builders keep the first error met while chaining; Run, Value and Input
// return it before any request is sent. Input builds the SDK input without
// sending it, so the generated text can be inspected and tested.
//
// # Errors
//
// Every failure is an [*Error] whose Err is one of the sentinels
// ([ErrUnauthenticated], [ErrInvalidInput], [ErrProtectedAttribute],
// [ErrNotFound], [ErrNotOwner], [ErrForbidden], [ErrConflict],
// [ErrAlreadyExists]), or nil when DynamoDB or the transport failed for
// another reason, with Cause holding that error. Every write asks for
// ReturnValuesOnConditionCheckFailure=ALL_OLD and classifies a failed
// condition from the item DynamoDB returns with it, so the reason is known
// after exactly one request, with no second read. The item is handed back
// in Error.Item only when the caller owns it; for anyone else it is
// stripped, also from the SDK's exception. [HTTPStatus] maps errors to
// status codes, reporting ErrNotOwner and ErrForbidden as 404 so that a
// caller cannot learn whether someone else's item exists.
//
// # Testing
//
// Unit tests with the mock, integration tests with LocalTable: package
// ddbguardtest has a testify mock of [API] whose answers are DynamoDB's
// (ConditionFailed, TxCanceled), a Counter and a Faults wrapper, and
// LocalTable, which creates a fresh table for a [Schema] on DynamoDB Local
// and deletes it when the test ends. The examples of this package run on the
// mock; [Example] is the whole flow.
//
// # Requirements
//
// Go 1.24 or newer; aws-sdk-go-v2 and testify are the only dependencies.
//
// # Retries
//
// The SDK retries a request whose response was lost. When the first attempt
// had landed, the retry fails its condition on that write. With
// [Schema.WriteID] every write but a Delete stores a fresh random id of its
// own and every write but a Create requires the stored id to be another
// one, so a retry that fails on its own id is reported as success; a
// transaction whose reasons show one of its writes holding its own id has
// landed. This protects a write against its own retries until another write
// lands on the item; exactly-once across other writes needs IfVersion.
// Without WriteID an update's retry is never reported as success from what
// it finds (ErrConflict with the item); a Create still recognizes its exact
// item when an earlier attempt is in doubt.
//
// # Refusals
//
// A failure that returns no Item carries a fresh exception as its Cause,
// holding only the message (a transaction: each reason's code), and
// [Error.RequestID]. [WithoutOldItem] keeps the stored item off the wire:
// no write asks for it, and a failure is classified by one consistent
// Query that returns only what the caller may see.
package ddbguard
