package bench

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2/dynamodbiface"

	"github.com/ddbguard/ddbguard"
)

// Attribute names of the benchmark table.
const (
	AttrID      = "id"      // partition key (S)
	AttrOwner   = "owner"   // owner's id (S)
	AttrVersion = "version" // optimistic-locking version (N)
	AttrTitle   = "title"   // the attribute an Update sets
)

// Schema returns the ddbguard schema of the benchmark table called table.
func Schema(table string) ddbguard.Schema {
	return ddbguard.Schema{Table: table, PartitionKey: AttrID, Owner: AttrOwner, Version: AttrVersion}
}

// Doc is the item a Create writes. Owner and Version are left empty by the
// caller: each contender stamps the owner from the caller and sets the
// version to 1.
type Doc struct {
	ID      string   `dynamodbav:"id" dynamo:"id"`
	Owner   string   `dynamodbav:"owner,omitempty" dynamo:"owner,omitempty"`
	Version int64    `dynamodbav:"version,omitempty" dynamo:"version,omitempty"`
	Title   string   `dynamodbav:"title" dynamo:"title"`
	Body    string   `dynamodbav:"body" dynamo:"body"`
	Tags    []string `dynamodbav:"tags,stringset,omitempty" dynamo:"tags,set,omitempty"`
}

// Args are the arguments of the benchmarked writes: Update sets Title on
// the item UpdateID if its version is Version, Delete removes DeleteID,
// Create writes Doc (CreateMap writes Map, CreateAV writes Item), and Tx
// does the update, the delete and the create of Doc at once. Every write
// is on behalf of Caller. Map and Item hold neither owner nor version:
// every contender adds them to a copy.
type Args struct {
	Caller   string
	UpdateID string
	Title    string
	Version  int64
	DeleteID string
	Doc      Doc
	Map      map[string]any
	Item     map[string]types.AttributeValue
}

// SampleArgs returns the arguments the CPU benchmarks use.
func SampleArgs() *Args {
	return &Args{
		Caller:   "user-7f3a9c",
		UpdateID: "doc-000042",
		Title:    "quarterly report, final",
		Version:  7,
		DeleteID: "doc-000043",
		Doc: Doc{
			ID:    "doc-000044",
			Title: "meeting notes",
			Body:  "agenda: budget, hiring, roadmap",
			Tags:  []string{"notes", "team"},
		},
		Map: map[string]any{
			AttrID: "doc-000045", AttrTitle: "meeting notes", "body": "agenda: budget, hiring, roadmap",
			"pages": 12, "draft": true,
		},
		Item: map[string]types.AttributeValue{
			AttrID:    &types.AttributeValueMemberS{Value: "doc-000046"},
			AttrTitle: &types.AttributeValueMemberS{Value: "meeting notes"},
			"body":    &types.AttributeValueMemberS{Value: "agenda: budget, hiring, roadmap"},
			"tags":    &types.AttributeValueMemberSS{Value: []string{"notes", "team"}},
		},
	}
}

// Contender performs the benchmarked writes in one way. Every write is
// guarded the same way: Update by attribute_exists(id) AND owner = caller
// AND version = n, incrementing the version; Delete by attribute_exists(id)
// AND owner = caller; Create by attribute_not_exists(id), stamping the
// owner and version 1. Every one asks for ALL_OLD on a failed condition.
type Contender interface {
	// Name is the contender's short name, used in benchmark names.
	Name() string
	Update(ctx context.Context, a *Args) error
	Delete(ctx context.Context, a *Args) error
	Create(ctx context.Context, a *Args) error
	// CreateMap creates the map[string]any item Args.Map.
	CreateMap(ctx context.Context, a *Args) error
	// CreateAV creates the map[string]types.AttributeValue item Args.Item.
	CreateAV(ctx context.Context, a *Args) error
	// Tx runs the Update, the Delete and the Create in one transaction.
	Tx(ctx context.Context, a *Args) error
}

// Contenders returns the four contenders on table: ddbguard, hand and
// expression send through api, guregu through gapi (its own client
// interface; a *dynamodb.Client satisfies both).
func Contenders(api ddbguard.API, gapi dynamodbiface.DynamoDBAPI, table string) ([]Contender, error) {
	g, err := ddbguard.New(api, Schema(table))
	if err != nil {
		return nil, err
	}
	return []Contender{
		Guarded{Guard: g, API: api},
		Hand{API: api, Table: table},
		Expression{API: api, Table: table},
		NewGuregu(gapi, table),
	}, nil
}

// Guarded performs the writes with ddbguard.
type Guarded struct {
	Guard *ddbguard.Guard
	API   ddbguard.API // the API the Guard sends through, for transactions
}

// Name returns "ddbguard".
func (Guarded) Name() string { return "ddbguard" }

// Update runs a guarded update with IfVersion.
func (c Guarded) Update(ctx context.Context, a *Args) error {
	return c.update(a).Run(ctx)
}

func (c Guarded) update(a *Args) *ddbguard.GuardedUpdate {
	return c.Guard.Update(a.Caller, ddbguard.Key{PK: a.UpdateID}).Set(AttrTitle, a.Title).IfVersion(a.Version)
}

// Delete runs a guarded delete.
func (c Guarded) Delete(ctx context.Context, a *Args) error {
	return c.Guard.Delete(a.Caller, ddbguard.Key{PK: a.DeleteID}).Run(ctx)
}

// Create runs a guarded create.
func (c Guarded) Create(ctx context.Context, a *Args) error {
	return c.Guard.Create(a.Caller, a.Doc).Run(ctx)
}

// CreateMap runs a guarded create of a map[string]any item.
func (c Guarded) CreateMap(ctx context.Context, a *Args) error {
	return c.Guard.Create(a.Caller, a.Map).Run(ctx)
}

// CreateAV runs a guarded create of a map[string]types.AttributeValue item.
func (c Guarded) CreateAV(ctx context.Context, a *Args) error {
	return c.Guard.Create(a.Caller, a.Item).Run(ctx)
}

// Tx runs the three writes in one guarded transaction.
func (c Guarded) Tx(ctx context.Context, a *Args) error {
	return ddbguard.NewTx(c.API).
		Update(c.update(a)).
		Delete(c.Guard.Delete(a.Caller, ddbguard.Key{PK: a.DeleteID})).
		Create(c.Guard.Create(a.Caller, a.Doc)).
		Run(ctx)
}

// Hand performs the writes with SDK inputs written by hand, as a careful
// developer would: every name aliased, constant expression text.
type Hand struct {
	API   ddbguard.API
	Table string
}

// Name returns "hand".
func (Hand) Name() string { return "hand" }

// Expression text of the hand-written requests.
const (
	handUpdateCond = "attribute_exists(#id) AND #owner = :caller AND #version = :version"
	handUpdateExpr = "SET #title = :title ADD #version :one"
	handDeleteCond = "attribute_exists(#id) AND #owner = :caller"
	handCreateCond = "attribute_not_exists(#id)"
)

// Update sends a hand-written UpdateItemInput.
func (c Hand) Update(ctx context.Context, a *Args) error {
	_, err := c.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
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
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// Delete sends a hand-written DeleteItemInput.
func (c Hand) Delete(ctx context.Context, a *Args) error {
	_, err := c.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(c.Table),
		Key:                                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.DeleteID}},
		ConditionExpression:                 aws.String(handDeleteCond),
		ExpressionAttributeNames:            map[string]string{"#id": AttrID, "#owner": AttrOwner},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":caller": &types.AttributeValueMemberS{Value: a.Caller}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// createItem marshals the item to create, with owner and version stamped.
func createItem(a *Args) (map[string]types.AttributeValue, error) {
	d := a.Doc
	d.Owner, d.Version = a.Caller, 1
	return attributevalue.MarshalMap(d)
}

// Create marshals the item, stamps owner and version, and sends a
// hand-written PutItemInput.
func (c Hand) Create(ctx context.Context, a *Args) error {
	item, err := createItem(a)
	if err != nil {
		return err
	}
	_, err = c.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.Table),
		Item:                                item,
		ConditionExpression:                 aws.String(handCreateCond),
		ExpressionAttributeNames:            map[string]string{"#id": AttrID},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// stamp sets the owner and the version of a marshalled item.
func stamp(item map[string]types.AttributeValue, caller string) map[string]types.AttributeValue {
	item[AttrOwner] = &types.AttributeValueMemberS{Value: caller}
	item[AttrVersion] = &types.AttributeValueMemberN{Value: "1"}
	return item
}

// mapItem marshals Args.Map and stamps owner and version.
func mapItem(a *Args) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(a.Map)
	if err != nil {
		return nil, err
	}
	return stamp(item, a.Caller), nil
}

// avItem copies Args.Item, with room for owner and version, and stamps
// them.
func avItem(a *Args) map[string]types.AttributeValue {
	item := make(map[string]types.AttributeValue, len(a.Item)+2)
	for k, v := range a.Item {
		item[k] = v
	}
	return stamp(item, a.Caller)
}

func (c Hand) put(ctx context.Context, item map[string]types.AttributeValue) error {
	_, err := c.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.Table),
		Item:                                item,
		ConditionExpression:                 aws.String(handCreateCond),
		ExpressionAttributeNames:            map[string]string{"#id": AttrID},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// CreateMap marshals the map item, stamps owner and version, and sends a
// hand-written PutItemInput.
func (c Hand) CreateMap(ctx context.Context, a *Args) error {
	item, err := mapItem(a)
	if err != nil {
		return err
	}
	return c.put(ctx, item)
}

// CreateAV copies the item, stamps owner and version, and sends a
// hand-written PutItemInput.
func (c Hand) CreateAV(ctx context.Context, a *Args) error {
	return c.put(ctx, avItem(a))
}

// Tx sends a hand-written TransactWriteItemsInput of the three writes.
func (c Hand) Tx(ctx context.Context, a *Args) error {
	item, err := createItem(a)
	if err != nil {
		return err
	}
	_, err = c.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{
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
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Delete: &types.Delete{
				TableName:                           aws.String(c.Table),
				Key:                                 map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: a.DeleteID}},
				ConditionExpression:                 aws.String(handDeleteCond),
				ExpressionAttributeNames:            map[string]string{"#id": AttrID, "#owner": AttrOwner},
				ExpressionAttributeValues:           map[string]types.AttributeValue{":caller": &types.AttributeValueMemberS{Value: a.Caller}},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Put: &types.Put{
				TableName:                           aws.String(c.Table),
				Item:                                item,
				ConditionExpression:                 aws.String(handCreateCond),
				ExpressionAttributeNames:            map[string]string{"#id": AttrID},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
		},
	})
	return err
}
