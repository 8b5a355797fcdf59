package ddbguard

import (
	"crypto/rand"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Exact retries (Schema.WriteID). Every write but Delete stores a fresh
// random id of its own in Schema.WriteID, and every write but Create
// requires the stored id to be another one. A retry of a write that landed
// then fails its condition on its own id, which only this write can have
// stored, and is reported as success. The clause is parenthesized because
// DynamoDB binds AND tighter than OR: unparenthesized, its OR would let any
// write through.
const condWriteID = " AND (attribute_not_exists(" + phWriteID + ") OR " + phWriteID + " <> " + vWriteID + ")"

// writeConds fills g.conds, the guards of every shape (scope.go), each
// write's with the WriteID clause.
func (g *Guard) writeConds() {
	g.conds = newCondTable()
}

// writeID returns the write's id, drawing one when it holds none, or ""
// without Schema.WriteID. The id is kept until a Run ends with DynamoDB's
// verdict, so a Run after a transport failure sends the same one.
func (o *op) writeID() string {
	if o.g.s.WriteID == "" {
		return ""
	}
	if o.wid == "" {
		o.wid = rand.Text()
	}
	return o.wid
}

// putWriteID adds the write's id to a request's names and values, in the
// block's own value, and returns the value.
func (o *op) putWriteID(names map[string]string, values map[string]types.AttributeValue, gv *guardValues) *types.AttributeValueMemberS {
	gv.wid.Value = o.writeID()
	names[phWriteID] = o.g.s.WriteID
	values[vWriteID] = &gv.wid
	return &gv.wid
}

// settle ends a Run: after DynamoDB's verdict (success, or a failure with
// Err set) the write is done and the next Run draws a new id; after any
// other end the write may have landed and the next Run sends the same id.
// A transaction's writes keep their ids until its token changes.
func (o *op) settle(err error) {
	o.ran = true
	if o.tx == nil && (err == nil || settled(err)) {
		o.wid = ""
	}
}

// settled reports whether err is DynamoDB's verdict: an *Error with Err
// set.
func settled(err error) bool {
	e, ok := asError[*Error](err)
	return ok && e.Err != nil
}

// changed notes a setter's call: after a Run it makes another write, which
// needs its own id.
func (o *op) changed() {
	if o.ran && o.tx == nil {
		o.wid = ""
	}
}

// ownID reports whether item holds this write's id: a write of this
// builder landed. In a tenant view the item must first be in the tenant.
func (o *op) ownID(item map[string]types.AttributeValue) bool {
	if o.wid == "" || o.g.s.WriteID == "" || !o.g.inTenant(item) {
		return false
	}
	s, ok := item[o.g.s.WriteID].(*types.AttributeValueMemberS)
	return ok && s.Value == o.wid
}

// owned refuses a Run or Value of a builder that belongs to a transaction.
func (o *op) owned() *Error {
	if o.tx == nil {
		return nil
	}
	return o.errorf(ErrInvalidInput, "builder belongs to a transaction")
}
