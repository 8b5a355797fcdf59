package ddbguard

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A builder allocates its SDK input (or transaction item) in one block with
// the strings the input points to and the attribute values the guard
// itself adds: a builder packs what literals would allocate one by one.

// guardValues holds the attribute values that the guard adds to a request.
type guardValues struct {
	caller, tenant, wid types.AttributeValueMemberS
	version, one        types.AttributeValueMemberN
}

// updateBlock is an UpdateItemInput with what it points to.
type updateBlock struct {
	in                  dynamodb.UpdateItemInput
	table, update, cond string
	gv                  guardValues
}

func (b *updateBlock) fill(key map[string]types.AttributeValue, r request) *dynamodb.UpdateItemInput {
	b.update, b.cond = r.update, r.cond
	b.in = dynamodb.UpdateItemInput{
		TableName:                           &b.table,
		Key:                                 key,
		UpdateExpression:                    &b.update,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return &b.in
}

// updateTxBlock is a transaction's Update with what it points to.
type updateTxBlock struct {
	item                types.Update
	table, update, cond string
	gv                  guardValues
}

func (b *updateTxBlock) fill(key map[string]types.AttributeValue, r request) types.TransactWriteItem {
	b.update, b.cond = r.update, r.cond
	b.item = types.Update{
		TableName:                           &b.table,
		Key:                                 key,
		UpdateExpression:                    &b.update,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return types.TransactWriteItem{Update: &b.item}
}

// deleteBlock is a DeleteItemInput with what it points to.
type deleteBlock struct {
	in          dynamodb.DeleteItemInput
	table, cond string
	gv          guardValues
}

func (b *deleteBlock) fill(key map[string]types.AttributeValue, r request) *dynamodb.DeleteItemInput {
	b.cond = r.cond
	b.in = dynamodb.DeleteItemInput{
		TableName:                           &b.table,
		Key:                                 key,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return &b.in
}

// deleteTxBlock is a transaction's Delete with what it points to.
type deleteTxBlock struct {
	item        types.Delete
	table, cond string
	gv          guardValues
}

func (b *deleteTxBlock) fill(key map[string]types.AttributeValue, r request) types.TransactWriteItem {
	b.cond = r.cond
	b.item = types.Delete{
		TableName:                           &b.table,
		Key:                                 key,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return types.TransactWriteItem{Delete: &b.item}
}

// putBlock is a PutItemInput with what it points to.
type putBlock struct {
	putInput
	gv guardValues
}

// putInput is a PutItemInput with its strings: a create's first Run keeps
// its one guard value, the write's id, in the builder.
type putInput struct {
	in          dynamodb.PutItemInput
	table, cond string
}

func (b *putInput) fill(item map[string]types.AttributeValue, r request) *dynamodb.PutItemInput {
	b.cond = r.cond
	b.in = dynamodb.PutItemInput{
		TableName:                           &b.table,
		Item:                                item,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return &b.in
}

// putTxBlock is a transaction's Put with what it points to.
type putTxBlock struct {
	item        types.Put
	table, cond string
	gv          guardValues
}

func (b *putTxBlock) fill(item map[string]types.AttributeValue, r request) types.TransactWriteItem {
	b.cond = r.cond
	b.item = types.Put{
		TableName:                           &b.table,
		Item:                                item,
		ConditionExpression:                 &b.cond,
		ExpressionAttributeNames:            r.names,
		ExpressionAttributeValues:           r.values,
		ReturnValuesOnConditionCheckFailure: r.onFail,
	}
	return types.TransactWriteItem{Put: &b.item}
}
