package ddbguard

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// WithoutOldItem. A write that asks for ALL_OLD has the stored item sent
// over the wire when its condition fails, even when the caller may not see
// it: the refusal's size and time grow with someone else's item, and the
// SDK's logging and middleware see it. Under the option no write asks for
// it, and a failed condition is explained by one consistent Query of the
// item's full key (on the table, never an index) whose filter is the
// write's own ownership terms, OR-ed with its WriteID: DynamoDB reads the
// item, but answers only with what the caller may see. ScannedCount then
// tells an absent item from one the caller may not write.

// Placeholders of the classification Query: the key's names and values.
const (
	phSK   = "#gs"
	vKeyPK = ":gkp"
	vKeySK = ":gks"
)

// probe describes the Query that classifies a write's failure.
type probe struct {
	editors bool     // the filter admits the item's editors (an Update)
	create  bool     // a create: an existing item is ErrAlreadyExists
	kept    []string // attributes projected besides key, version and WriteID (Replace)
	owner   bool     // the owner is projected too (an Admin Replace)
}

func (u *GuardedUpdate) probe() probe {
	return probe{editors: u.kind == kindUpdate && u.g.s.Editors != ""}
}
func (d *GuardedDelete) probe() probe  { return probe{} }
func (c *GuardedCreate) probe() probe  { return probe{create: true} }
func (r *GuardedReplace) probe() probe { return probe{kept: r.kept(), owner: true} }
func (c *GuardedCheck) probe() probe   { return probe{} }

func (u *GuardedUpdate) held(item map[string]types.AttributeValue) verdict {
	return u.g.judgeHeld(item, u.expected())
}
func (d *GuardedDelete) held(item map[string]types.AttributeValue) verdict {
	return d.g.judgeHeld(item, d.expected())
}
func (c *GuardedCreate) held(map[string]types.AttributeValue) verdict {
	return verdict{err: ErrAlreadyExists}
}
func (c *GuardedCheck) held(map[string]types.AttributeValue) verdict { return c.judge(nil) }

// filterTerms writes the ownership terms of a write (or of Get, with
// editors) into names and values and returns their text: the caller owns
// the item, or with editors is one of its editors; an Admin view has none.
// "" means no terms. Key attributes never appear in it: DynamoDB refuses
// them in a filter (a tenant in the partition key was checked before).
func (o *op) filterTerms(editors bool, names map[string]string, values map[string]types.AttributeValue) string {
	s := &o.g.s
	if o.g.admin {
		return ""
	}
	names[phOwner] = s.Owner
	values[vCaller] = &types.AttributeValueMemberS{Value: o.caller}
	if !editors {
		return phOwner + " = " + vCaller
	}
	names[phEditors] = s.Editors
	values[vSetType] = &types.AttributeValueMemberS{Value: "SS"}
	return phOwner + " = " + vCaller + " OR (attribute_type(" + phEditors + ", " + vSetType + ") AND contains(" + phEditors + ", " + vCaller + "))"
}

// probeInput returns the Query that classifies a failed write described
// by p. withID ORs the write's id into the filter; project limits the
// answer to what the verdict needs.
func (o *op) probeInput(p probe, withID, project bool) *dynamodb.QueryInput {
	s := &o.g.s
	names := map[string]string{phPK: s.PartitionKey}
	key := o.keyAV()
	values := map[string]types.AttributeValue{vKeyPK: key[s.PartitionKey]}
	keyCond := phPK + " = " + vKeyPK
	if s.SortKey != "" {
		names[phSK], values[vKeySK] = s.SortKey, key[s.SortKey]
		keyCond += " AND " + phSK + " = " + vKeySK
	}
	filter := o.filterTerms(p.editors, names, values)
	// An Admin view may see every item of its view: its own id adds nothing.
	withID = withID && filter != ""
	if o.g.tenantTerm() {
		names[phTenant] = s.Tenant
		values[vTenant] = &types.AttributeValueMemberS{Value: o.g.tenant}
		switch {
		case filter == "":
			filter = phTenant + " = " + vTenant
		case p.editors:
			filter = "(" + filter + ") AND " + phTenant + " = " + vTenant
		default:
			filter += " AND " + phTenant + " = " + vTenant
		}
	}
	if withID {
		names[phWriteID] = s.WriteID
		values[vWriteID] = &types.AttributeValueMemberS{Value: o.wid}
		if filter == "" {
			filter = phWriteID + " = " + vWriteID
		} else {
			filter = "(" + filter + ") OR " + phWriteID + " = " + vWriteID
		}
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String(keyCond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if filter != "" {
		in.FilterExpression = aws.String(filter)
	}
	if project {
		in.ProjectionExpression = aws.String(o.projection(p, names))
	}
	return in
}

// projection returns the attributes a verdict is judged from: the key,
// the version, the WriteID and p.kept. Without kept attributes its text
// is one New wrote.
func (o *op) projection(p probe, names map[string]string) string {
	s := &o.g.s
	if s.Version != "" {
		names[phVersion] = s.Version
	}
	if s.WriteID != "" {
		names[phWriteID] = s.WriteID
	}
	// A tenant view tells its tenant's items from others' in Go too, and
	// an Admin Replace compares the stored owner with the body's.
	tenant, owner := o.g.tenantTerm(), o.g.admin && p.owner
	if tenant {
		names[phTenant] = s.Tenant
	}
	if owner {
		names[phOwner] = s.Owner
	}
	for i, name := range p.kept {
		names["#gq"+strconv.Itoa(i)] = name
	}
	if len(p.kept) == 0 && o.g.probeText != nil {
		return o.g.probeText[b2i(tenant)][b2i(owner)]
	}
	return projectionText(s, tenant, owner, len(p.kept))
}

// projectionText writes the ProjectionExpression of a classification
// Query; see projection.
func projectionText(s *Schema, tenant, owner bool, kept int) string {
	parts := []string{phPK}
	if s.SortKey != "" {
		parts = append(parts, phSK)
	}
	if s.Version != "" {
		parts = append(parts, phVersion)
	}
	if s.WriteID != "" {
		parts = append(parts, phWriteID)
	}
	if tenant {
		parts = append(parts, phTenant)
	}
	if owner {
		parts = append(parts, phOwner)
	}
	for i := range kept {
		parts = append(parts, "#gq"+strconv.Itoa(i))
	}
	return strings.Join(parts, ", ")
}

// writeProbeText fills g.probeText, the projections without kept
// attributes, [tenant][owner].
func (g *Guard) writeProbeText() {
	t := new([2][2]string)
	for tenant := range 2 {
		for owner := range 2 {
			t[tenant][owner] = projectionText(&g.s, tenant == 1, owner == 1, 0)
		}
	}
	g.probeText = t
}

// read classifies w's failed condition by one Query. It returns the item
// and landed when the item holds w's id; full asks for the whole item
// (Value) instead of the projection.
func (o *op) read(ctx context.Context, w judged, full bool) (v verdict, item map[string]types.AttributeValue, landed bool, err error) {
	p := w.probe()
	withID := o.wid != "" && o.g.s.WriteID != ""
	res, err := o.g.api.Query(ctx, o.probeInput(p, withID, !full))
	switch {
	case err != nil:
		return verdict{}, nil, false, err
	case res.ScannedCount == 0:
		if p.create {
			return verdict{err: ErrConflict, detail: "precondition failed"}, nil, false, nil
		}
		return verdict{err: ErrNotFound}, nil, false, nil
	case len(res.Items) == 0:
		if p.create {
			return verdict{err: ErrAlreadyExists}, nil, false, nil
		}
		return verdict{err: ErrNotOwner}, nil, false, nil
	}
	item = res.Items[0]
	if !o.g.inTenant(item) {
		// Only the WriteID term can let another tenant's item through.
		if p.create {
			return verdict{err: ErrAlreadyExists}, nil, false, nil
		}
		return verdict{err: ErrNotOwner}, nil, false, nil
	}
	if o.ownID(item) {
		return verdict{}, item, true, nil
	}
	if p.create {
		return verdict{err: ErrAlreadyExists}, nil, false, nil
	}
	v = w.held(item)
	v.expose = false
	return v, nil, false, nil
}

// classify finishes failed under WithoutOldItem: e is the write's error,
// whose Cause becomes the scrubbed condition failure.
func (o *op) classify(ctx context.Context, e *Error, ccf *types.ConditionalCheckFailedException, w judged, full bool) (map[string]types.AttributeValue, error) {
	v, item, landed, err := o.read(ctx, w, full)
	switch {
	case err != nil:
		return nil, &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Cause: err, RequestID: e.RequestID}
	case landed:
		return item, nil
	}
	e.Err, e.detail, e.Cause = v.err, v.detail, scrubbed(ccf)
	return nil, o.report(ctx, e)
}

// getQuery is Get under WithoutOldItem: one Query of the same shape with
// Get's guard as filter, so that another owner's item never reaches the
// client.
func (o *op) getQuery(ctx context.Context) (map[string]types.AttributeValue, *Error) {
	res, err := o.g.api.Query(ctx, o.probeInput(probe{editors: o.g.s.Editors != ""}, false, false))
	switch {
	case err != nil:
		return nil, &Error{Op: o.name, Table: o.g.s.Table, Key: o.keyOf(), Index: -1, Cause: err, RequestID: requestID(err)}
	case res.ScannedCount == 0:
		return nil, o.refused(ErrNotFound, res.ResultMetadata)
	case len(res.Items) == 0:
		return nil, o.refused(ErrNotOwner, res.ResultMetadata)
	}
	return res.Items[0], nil
}
