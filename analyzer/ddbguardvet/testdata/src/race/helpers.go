package race

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// repo splits the read and the write into helpers, as services usually do.
type repo struct{ c *dynamodb.Client }

// load is a time of check: it returns what GetItem read.
func (r *repo) load(ctx context.Context, id string) (*doc, error) {
	out, err := r.c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return nil, err
	}
	var d doc
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// save is a time of use: an unconditioned write.
func (r *repo) save(ctx context.Context, id string) error {
	_, err := r.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: key(id)}) // want `^UpdateItem without ConditionExpression`
	return err
}

// saveLater writes through save.
func (r *repo) saveLater(ctx context.Context, id string) error { return r.save(ctx, id) }

// saveGuarded is a conditioned write: calling it is never a race.
func (r *repo) saveGuarded(ctx context.Context, id, caller string) error {
	in := &dynamodb.UpdateItemInput{Key: key(id)}
	in.ConditionExpression = aws.String("#o = :caller")
	_, err := r.c.UpdateItem(ctx, in)
	return err
}

func (r *repo) readHelperThenDelete(ctx context.Context, id, caller string) error {
	d, err := r.load(ctx, id)
	if err != nil {
		return err
	}
	if d == nil || d.Owner != caller {
		return errForbidden
	}
	_, err = r.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key(id)}) // want `^DeleteItem without ConditionExpression .*; read-then-write race .* the GetItem \(through repo.load\) at helpers.go:45 is compared to decide whether it runs.*; use ddbguard Guard.Delete \(the owner check runs inside the write\)$`
	return err
}

func (r *repo) bothHelpers(ctx context.Context, id, caller string) error {
	d, err := r.load(ctx, id)
	if err != nil {
		return err
	}
	if d.Owner != caller {
		return errForbidden
	}
	return r.save(ctx, id) // want `^read-then-write race .* the GetItem \(through repo.load\) at helpers.go:57 .* this call to repo.save, which sends an unconditioned UpdateItem at helpers.go:29, runs`
}

func (r *repo) writeHelperTwoCallsDeep(ctx context.Context, id, caller string) error {
	out, err := r.c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	if len(out.Item) == 0 {
		return errForbidden
	}
	return r.saveLater(ctx, id) // want `^read-then-write race .* the GetItem at helpers.go:68 .* this call to repo.saveLater, which sends an unconditioned UpdateItem at helpers.go:29`
}

// Not races.

func (r *repo) loadedButNotCompared(ctx context.Context, id string) error {
	if _, err := r.load(ctx, id); err != nil {
		return err
	}
	return r.save(ctx, id)
}

func (r *repo) comparedThenGuardedHelper(ctx context.Context, id, caller string) error {
	d, err := r.load(ctx, id)
	if err != nil {
		return err
	}
	if d.Owner != caller {
		return errForbidden
	}
	return r.saveGuarded(ctx, id, caller)
}

// archive reads the item and writes a guarded copy: it returns only an error.
func (r *repo) archive(ctx context.Context, id string) error {
	out, err := r.c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{Item: out.Item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	_, err = r.c.PutItem(ctx, in)
	return err
}

func (r *repo) errorOfReadingHelperDecidesNothing(ctx context.Context, id string) error {
	if err := r.archive(ctx, id); err != nil {
		return err
	}
	_, err := r.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key(id)}) // want `^DeleteItem without ConditionExpression`
	return err
}

// checkOwner reads the item and returns the decision as an error.
func (r *repo) checkOwner(ctx context.Context, id, caller string) error {
	out, err := r.c.GetItem(ctx, &dynamodb.GetItemInput{Key: key(id)})
	if err != nil {
		return err
	}
	return authorize(out.Item, caller)
}

func (r *repo) checkingHelperThenDelete(ctx context.Context, id, caller string) error {
	if err := r.checkOwner(ctx, id, caller); err != nil {
		return err
	}
	_, err := r.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{Key: key(id)}) // want `^DeleteItem without .*; read-then-write race .* the GetItem \(through repo.checkOwner\)`
	return err
}
