package bench

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
	"github.com/guregu/dynamo/v2/dynamodbiface"

	"github.com/ddbguard/ddbguard"
)

// Expression performs the writes with requests built by the SDK's
// feature/dynamodb/expression package.
type Expression struct {
	API   ddbguard.API
	Table string
}

// Name returns "expression".
func (Expression) Name() string { return "expression" }

func exprUpdate(a *Args) (expression.Expression, error) {
	cond := expression.AttributeExists(expression.Name(AttrID)).And(
		expression.Name(AttrOwner).Equal(expression.Value(a.Caller)),
		expression.Name(AttrVersion).Equal(expression.Value(a.Version)))
	upd := expression.Set(expression.Name(AttrTitle), expression.Value(a.Title)).
		Add(expression.Name(AttrVersion), expression.Value(1))
	return expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
}

func exprDelete(a *Args) (expression.Expression, error) {
	cond := expression.AttributeExists(expression.Name(AttrID)).And(
		expression.Name(AttrOwner).Equal(expression.Value(a.Caller)))
	return expression.NewBuilder().WithCondition(cond).Build()
}

func exprCreate() (expression.Expression, error) {
	return expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrID))).Build()
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: id}}
}

// Update builds the update with the expression package and sends it.
func (c Expression) Update(ctx context.Context, a *Args) error {
	e, err := exprUpdate(a)
	if err != nil {
		return err
	}
	_, err = c.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(c.Table),
		Key:                                 key(a.UpdateID),
		UpdateExpression:                    e.Update(),
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// Delete builds the delete with the expression package and sends it.
func (c Expression) Delete(ctx context.Context, a *Args) error {
	e, err := exprDelete(a)
	if err != nil {
		return err
	}
	_, err = c.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(c.Table),
		Key:                                 key(a.DeleteID),
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// Create marshals the item, builds the condition with the expression
// package and sends it.
func (c Expression) Create(ctx context.Context, a *Args) error {
	item, err := createItem(a)
	if err != nil {
		return err
	}
	e, err := exprCreate()
	if err != nil {
		return err
	}
	_, err = c.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.Table),
		Item:                                item,
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

func (c Expression) put(ctx context.Context, item map[string]types.AttributeValue) error {
	e, err := exprCreate()
	if err != nil {
		return err
	}
	_, err = c.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.Table),
		Item:                                item,
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// CreateMap marshals the map item and sends it with a condition built by
// the expression package.
func (c Expression) CreateMap(ctx context.Context, a *Args) error {
	item, err := mapItem(a)
	if err != nil {
		return err
	}
	return c.put(ctx, item)
}

// CreateAV copies the item and sends it with a condition built by the
// expression package.
func (c Expression) CreateAV(ctx context.Context, a *Args) error {
	return c.put(ctx, avItem(a))
}

// Tx builds the three writes with the expression package and sends them in
// one transaction.
func (c Expression) Tx(ctx context.Context, a *Args) error {
	u, err := exprUpdate(a)
	if err != nil {
		return err
	}
	d, err := exprDelete(a)
	if err != nil {
		return err
	}
	p, err := exprCreate()
	if err != nil {
		return err
	}
	item, err := createItem(a)
	if err != nil {
		return err
	}
	_, err = c.API.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{
				TableName:                           aws.String(c.Table),
				Key:                                 key(a.UpdateID),
				UpdateExpression:                    u.Update(),
				ConditionExpression:                 u.Condition(),
				ExpressionAttributeNames:            u.Names(),
				ExpressionAttributeValues:           u.Values(),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Delete: &types.Delete{
				TableName:                           aws.String(c.Table),
				Key:                                 key(a.DeleteID),
				ConditionExpression:                 d.Condition(),
				ExpressionAttributeNames:            d.Names(),
				ExpressionAttributeValues:           d.Values(),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Put: &types.Put{
				TableName:                           aws.String(c.Table),
				Item:                                item,
				ConditionExpression:                 p.Condition(),
				ExpressionAttributeNames:            p.Names(),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
		},
	})
	return err
}

// Guregu performs the writes with github.com/guregu/dynamo/v2.
type Guregu struct {
	DB    *dynamo.DB
	Table dynamo.Table
}

// NewGuregu returns the guregu/dynamo contender on table, sending through
// api wrapped in AllOld.
func NewGuregu(api dynamodbiface.DynamoDBAPI, table string) Guregu {
	db := dynamo.NewFromIface(AllOld{api})
	return Guregu{DB: db, Table: db.Table(table)}
}

// Name returns "guregu".
func (Guregu) Name() string { return "guregu" }

func (c Guregu) update(a *Args) *dynamo.Update {
	return c.Table.Update(AttrID, a.UpdateID).
		Set(AttrTitle, a.Title).
		Add(AttrVersion, 1).
		If("attribute_exists('id') AND 'owner' = ? AND 'version' = ?", a.Caller, a.Version)
}

func (c Guregu) delete(a *Args) *dynamo.Delete {
	return c.Table.Delete(AttrID, a.DeleteID).If("attribute_exists('id') AND 'owner' = ?", a.Caller)
}

func (c Guregu) put(a *Args) *dynamo.Put {
	d := a.Doc
	d.Owner, d.Version = a.Caller, 1
	return c.Table.Put(d).If("attribute_not_exists('id')")
}

// Update runs the update through guregu/dynamo.
func (c Guregu) Update(ctx context.Context, a *Args) error { return c.update(a).Run(ctx) }

// Delete runs the delete through guregu/dynamo.
func (c Guregu) Delete(ctx context.Context, a *Args) error { return c.delete(a).Run(ctx) }

// Create runs the put through guregu/dynamo.
func (c Guregu) Create(ctx context.Context, a *Args) error { return c.put(a).Run(ctx) }

// CreateMap runs the put of a copy of the map item, owner and version
// added, through guregu/dynamo.
func (c Guregu) CreateMap(ctx context.Context, a *Args) error {
	m := make(map[string]any, len(a.Map)+2)
	for k, v := range a.Map {
		m[k] = v
	}
	m[AttrOwner], m[AttrVersion] = a.Caller, 1
	return c.Table.Put(m).If("attribute_not_exists('id')").Run(ctx)
}

// CreateAV runs the put of a copy of the attribute-value item, owner and
// version stamped, through guregu/dynamo.
func (c Guregu) CreateAV(ctx context.Context, a *Args) error {
	return c.Table.Put(dynamo.Item(avItem(a))).If("attribute_not_exists('id')").Run(ctx)
}

// Tx runs the three writes in one guregu/dynamo WriteTx.
func (c Guregu) Tx(ctx context.Context, a *Args) error {
	return c.DB.WriteTx().Update(c.update(a)).Delete(c.delete(a)).Put(c.put(a)).Run(ctx)
}

// AllOld wraps a guregu/dynamo client interface so that its writes ask for
// the item as it was when their condition fails (ALL_OLD), as every other
// contender's do. guregu/dynamo v2.1.1, the newest version on the module
// proxy, has no option for it, so the field is set on the request's way
// through; that costs a few assignments, on every layer alike.
type AllOld struct {
	dynamodbiface.DynamoDBAPI
}

const allOld = types.ReturnValuesOnConditionCheckFailureAllOld

// UpdateItem sets ALL_OLD and forwards.
func (a AllOld) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnValuesOnConditionCheckFailure = allOld
	return a.DynamoDBAPI.UpdateItem(ctx, in, optFns...)
}

// DeleteItem sets ALL_OLD and forwards.
func (a AllOld) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnValuesOnConditionCheckFailure = allOld
	return a.DynamoDBAPI.DeleteItem(ctx, in, optFns...)
}

// PutItem sets ALL_OLD and forwards.
func (a AllOld) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnValuesOnConditionCheckFailure = allOld
	return a.DynamoDBAPI.PutItem(ctx, in, optFns...)
}

// TransactWriteItems sets ALL_OLD on every item and forwards.
func (a AllOld) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for i := range in.TransactItems {
		it := &in.TransactItems[i]
		switch {
		case it.Update != nil:
			it.Update.ReturnValuesOnConditionCheckFailure = allOld
		case it.Delete != nil:
			it.Delete.ReturnValuesOnConditionCheckFailure = allOld
		case it.Put != nil:
			it.Put.ReturnValuesOnConditionCheckFailure = allOld
		case it.ConditionCheck != nil:
			it.ConditionCheck.ReturnValuesOnConditionCheckFailure = allOld
		}
	}
	return a.DynamoDBAPI.TransactWriteItems(ctx, in, optFns...)
}
