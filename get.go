package ddbguard

import (
	"context"
	"errors"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
)

// Get reads the item at k into out, a non-nil pointer, with a strongly
// consistent read, if caller owns it or is one of its editors. An item
// that exists but is not the caller's is ErrNotOwner, which HTTPStatus
// reports as 404 like ErrNotFound, and its data never leaves Get.
func (g *Guard) Get(ctx context.Context, caller string, k Key, out any) error {
	o := g.newOp("get", caller, k)
	if o.err == nil {
		if err := checkOut(out); err != nil {
			o.fail(ErrInvalidInput, err.Error())
		}
	}
	if o.err != nil {
		return o.report(ctx, o.err)
	}
	if g.noOld {
		item, e := o.getQuery(ctx)
		if e != nil {
			return o.report(ctx, e)
		}
		o.reportOK(ctx, -1)
		return o.unmarshal(item, out)
	}
	res, err := g.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(g.s.Table),
		Key:            o.av,
		ConsistentRead: aws.Bool(true),
	})
	switch {
	case err != nil:
		return o.report(ctx, &Error{Op: o.name, Table: g.s.Table, Key: k, Index: -1, Cause: err, RequestID: requestID(err)})
	case len(res.Item) == 0:
		return o.report(ctx, o.refused(ErrNotFound, res.ResultMetadata))
	case !g.inTenant(res.Item) || (!g.admin && !g.owns(caller, res.Item) && !g.edits(caller, res.Item)):
		return o.report(ctx, o.refused(ErrNotOwner, res.ResultMetadata))
	}
	o.reportOK(ctx, -1)
	return o.unmarshal(res.Item, out)
}

// refused returns Get's refusal, with the request id of the read that
// decided it.
func (o *op) refused(sentinel error, md middleware.Metadata) *Error {
	e := o.errorf(sentinel, "")
	e.RequestID, _ = awsmiddleware.GetRequestIDMetadata(md)
	return e
}

// checkOut refuses an out argument that cannot receive an item.
func checkOut(out any) error {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return errors.New("out must be a non-nil pointer")
	}
	return nil
}
