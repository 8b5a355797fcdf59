package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// The paths beyond the single write (DESIGN points 9-13), each measured
// against the request a careful developer would write by hand for the
// same outcome. They run at the build layer only: their answers (a page
// of items, a refused write) need an API that answers more than "{}".
const (
	AttrWriteID = "wid"      // Schema.WriteID of the WriteID paths
	AttrTenant  = "tenant"   // Schema.Tenant of the tenant and admin paths
	OwnerIndex  = "by_owner" // Schema.OwnerIndex of the List path
	PageItems   = 10         // items of the List page
	Tenant      = "acme"     // the tenant of the tenant and admin views
	AdminActor  = "support-1"
	AdminReason = "support ticket 4711"
)

// Paths performs the paths beyond the single write in one way.
type Paths interface {
	// Name is the contender's short name, used in benchmark names.
	Name() string
	// ListPage reads one page of the caller's items through the owner
	// index and decodes it into []Doc.
	ListPage(ctx context.Context, a *Args) error
	// UpdateWriteID is Update with a fresh write id stored and checked.
	UpdateWriteID(ctx context.Context, a *Args) error
	// OldlessFail is Update by a caller who does not own the item,
	// without ALL_OLD: the refused write, then the Query that classifies
	// it. It returns nil when the outcome is "not owner".
	OldlessFail(ctx context.Context, a *Args) error
	// UpdateTenant is Update in the tenant view of Tenant.
	UpdateTenant(ctx context.Context, a *Args) error
	// UpdateAdmin is Update by AdminActor in the Admin view of Tenant.
	UpdateAdmin(ctx context.Context, a *Args) error
}

// PathOps are the paths, as in benchmark names.
var PathOps = []string{"ListPage", "UpdateWriteID", "OldlessFail", "UpdateTenant", "UpdateAdmin"}

// PathAPI answers every request at once, as NoopAPI does, except that
// Query returns Page and UpdateItem, when Refuse is set, fails its
// condition. Its answers are shared and never modified by anyone.
type PathAPI struct {
	NoopAPI
	Page   *dynamodb.QueryOutput
	Refuse bool
}

var (
	refused = &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	// probed is the answer to the classification Query of a refused
	// write: one item read, none returned (another owner's).
	probed = &dynamodb.QueryOutput{Count: 0, ScannedCount: 1, Items: []map[string]types.AttributeValue{}}
)

// UpdateItem answers with an empty output, or fails its condition.
func (p PathAPI) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if p.Refuse {
		return nil, refused
	}
	return noopUpdate, nil
}

// Query answers with Page, or, for a classification (ConsistentRead), with
// one item read and none returned.
func (p PathAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in.ConsistentRead != nil && *in.ConsistentRead {
		return probed, nil
	}
	if p.Page != nil {
		return p.Page, nil
	}
	return noopQuery, nil
}

// SamplePage returns a page of PageItems items of owner, as the owner
// index returns them: the last page, so no cursor.
func SamplePage(owner string) *dynamodb.QueryOutput {
	out := &dynamodb.QueryOutput{Count: PageItems, ScannedCount: PageItems}
	for i := range PageItems {
		out.Items = append(out.Items, map[string]types.AttributeValue{
			AttrID:      &types.AttributeValueMemberS{Value: "doc-" + strconv.Itoa(100+i)},
			AttrOwner:   &types.AttributeValueMemberS{Value: owner},
			AttrVersion: &types.AttributeValueMemberN{Value: strconv.Itoa(i + 1)},
			AttrTitle:   &types.AttributeValueMemberS{Value: "meeting notes " + strconv.Itoa(i)},
			"body":      &types.AttributeValueMemberS{Value: "agenda: budget, hiring, roadmap"},
			"tags":      &types.AttributeValueMemberSS{Value: []string{"notes", "team"}},
		})
	}
	return out
}

// PathContenders returns ddbguard and the hand-written requests for the
// paths; list answers the List path's Query, refuse the refused write.
func PathContenders(list, refuse, ok ddbguard.API, table string) ([]Paths, error) {
	s := Schema(table)
	s.OwnerIndex = OwnerIndex
	gl, err := ddbguard.New(list, s)
	if err != nil {
		return nil, err
	}
	s = Schema(table)
	s.WriteID = AttrWriteID
	gw, err := ddbguard.New(ok, s)
	if err != nil {
		return nil, err
	}
	go_, err := ddbguard.New(refuse, Schema(table), ddbguard.WithoutOldItem())
	if err != nil {
		return nil, err
	}
	s = Schema(table)
	s.Tenant = AttrTenant
	gt, err := ddbguard.New(ok, s)
	if err != nil {
		return nil, err
	}
	return []Paths{
		GuardedPaths{List: gl, WriteID: gw, Oldless: go_, Tenant: gt},
		HandPaths{List: list, Refuse: refuse, OK: ok, Table: table},
	}, nil
}

// GuardedPaths performs the paths with ddbguard, one Guard per schema.
type GuardedPaths struct {
	List, WriteID, Oldless, Tenant *ddbguard.Guard
}

// Name returns "ddbguard".
func (GuardedPaths) Name() string { return "ddbguard" }

// ListPage reads the first page of the caller's items.
func (c GuardedPaths) ListPage(ctx context.Context, a *Args) error {
	var out []Doc
	next, err := c.List.List(a.Caller).Limit(25).Page(ctx, &out)
	if err == nil && (next != "" || len(out) != PageItems) {
		err = errors.New("unexpected page")
	}
	return err
}

// UpdateWriteID runs the update on the WriteID Guard.
func (c GuardedPaths) UpdateWriteID(ctx context.Context, a *Args) error {
	return c.WriteID.Update(a.Caller, ddbguard.Key{PK: a.UpdateID}).Set(AttrTitle, a.Title).IfVersion(a.Version).Run(ctx)
}

// OldlessFail runs the update that the item's owner refuses.
func (c GuardedPaths) OldlessFail(ctx context.Context, a *Args) error {
	err := c.Oldless.Update(a.Caller, ddbguard.Key{PK: a.UpdateID}).Set(AttrTitle, a.Title).IfVersion(a.Version).Run(ctx)
	if errors.Is(err, ddbguard.ErrNotOwner) {
		return nil
	}
	return errors.Join(errors.New("want not owner"), err)
}

// UpdateTenant runs the update in the tenant's view, made for the request
// as a handler would.
func (c GuardedPaths) UpdateTenant(ctx context.Context, a *Args) error {
	return c.Tenant.ForTenant(Tenant).Update(a.Caller, ddbguard.Key{PK: a.UpdateID}).Set(AttrTitle, a.Title).IfVersion(a.Version).Run(ctx)
}

// UpdateAdmin runs the update in the tenant's Admin view, made for the
// request.
func (c GuardedPaths) UpdateAdmin(ctx context.Context, a *Args) error {
	return c.Tenant.ForTenant(Tenant).Admin(AdminReason).Update(AdminActor, ddbguard.Key{PK: a.UpdateID}).Set(AttrTitle, a.Title).IfVersion(a.Version).Run(ctx)
}

// HandPaths performs the paths with SDK inputs written by hand.
type HandPaths struct {
	List, Refuse, OK ddbguard.API
	Table            string
}

// Name returns "hand".
func (HandPaths) Name() string { return "hand" }

// ListPage sends a hand-written Query on the owner index and decodes the
// page with attributevalue.
func (c HandPaths) ListPage(ctx context.Context, a *Args) error {
	res, err := c.List.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(c.Table),
		IndexName:                 aws.String(OwnerIndex),
		KeyConditionExpression:    aws.String("#owner = :caller"),
		ExpressionAttributeNames:  map[string]string{"#owner": AttrOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":caller": &types.AttributeValueMemberS{Value: a.Caller}},
		Limit:                     aws.Int32(25),
	})
	if err != nil {
		return err
	}
	var out []Doc
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &out); err != nil {
		return err
	}
	if res.LastEvaluatedKey != nil || len(out) != PageItems {
		return errors.New("unexpected page")
	}
	return nil
}

const (
	handWriteIDCond = handUpdateCond + " AND (attribute_not_exists(#wid) OR #wid <> :wid)"
	handWriteIDExpr = "SET #title = :title, #wid = :wid ADD #version :one"
	handTenantCond  = "attribute_exists(#id) AND #owner = :caller AND #tenant = :tenant AND #version = :version"
	handAdminCond   = "attribute_exists(#id) AND #tenant = :tenant AND #version = :version"
)

// UpdateWriteID sends the hand-written update with a fresh
// crypto/rand.Text id and the clause that refuses the write's own retry.
func (c HandPaths) UpdateWriteID(ctx context.Context, a *Args) error {
	_, err := c.OK.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.Table),
		Key:                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.UpdateID}},
		UpdateExpression:    aws.String(handWriteIDExpr),
		ConditionExpression: aws.String(handWriteIDCond),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#owner": AttrOwner, "#version": AttrVersion, "#title": AttrTitle, "#wid": AttrWriteID,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":caller":  &types.AttributeValueMemberS{Value: a.Caller},
			":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.Version, 10)},
			":one":     &types.AttributeValueMemberN{Value: "1"},
			":title":   &types.AttributeValueMemberS{Value: a.Title},
			":wid":     &types.AttributeValueMemberS{Value: rand.Text()},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// OldlessFail sends the hand-written update without ALL_OLD and, when its
// condition fails, the consistent Query that tells "not found" from "not
// owner" without returning another owner's item.
func (c HandPaths) OldlessFail(ctx context.Context, a *Args) error {
	_, err := c.Refuse.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.Table),
		Key:                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.UpdateID}},
		UpdateExpression:    aws.String(handUpdateExpr),
		ConditionExpression: aws.String(handUpdateCond),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#owner": AttrOwner, "#version": AttrVersion, "#title": AttrTitle,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":caller":  &types.AttributeValueMemberS{Value: a.Caller},
			":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.Version, 10)},
			":one":     &types.AttributeValueMemberN{Value: "1"},
			":title":   &types.AttributeValueMemberS{Value: a.Title},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone,
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return errors.Join(errors.New("want a failed condition"), err)
	}
	res, err := c.Refuse.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(c.Table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("#id = :id"),
		FilterExpression:          aws.String("#owner = :caller"),
		ProjectionExpression:      aws.String("#id, #version"),
		ExpressionAttributeNames:  map[string]string{"#id": AttrID, "#owner": AttrOwner, "#version": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: a.UpdateID}, ":caller": &types.AttributeValueMemberS{Value: a.Caller}},
	})
	switch {
	case err != nil:
		return err
	case res.ScannedCount == 1 && len(res.Items) == 0:
		return nil // not owner
	}
	return errors.New("want not owner")
}

// UpdateTenant sends the hand-written update with the tenant term.
func (c HandPaths) UpdateTenant(ctx context.Context, a *Args) error {
	_, err := c.OK.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.Table),
		Key:                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.UpdateID}},
		UpdateExpression:    aws.String(handUpdateExpr),
		ConditionExpression: aws.String(handTenantCond),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#owner": AttrOwner, "#version": AttrVersion, "#title": AttrTitle, "#tenant": AttrTenant,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":caller":  &types.AttributeValueMemberS{Value: a.Caller},
			":tenant":  &types.AttributeValueMemberS{Value: Tenant},
			":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.Version, 10)},
			":one":     &types.AttributeValueMemberN{Value: "1"},
			":title":   &types.AttributeValueMemberS{Value: a.Title},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// UpdateAdmin sends the hand-written update of an admin: existence, the
// tenant and the version, no owner.
func (c HandPaths) UpdateAdmin(ctx context.Context, a *Args) error {
	_, err := c.OK.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.Table),
		Key:                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.UpdateID}},
		UpdateExpression:    aws.String(handUpdateExpr),
		ConditionExpression: aws.String(handAdminCond),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#version": AttrVersion, "#title": AttrTitle, "#tenant": AttrTenant,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":tenant":  &types.AttributeValueMemberS{Value: Tenant},
			":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.Version, 10)},
			":one":     &types.AttributeValueMemberN{Value: "1"},
			":title":   &types.AttributeValueMemberS{Value: a.Title},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}
