package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// Callers of the end-to-end runs: Owner owns every seeded item, Intruder
// owns none.
const (
	Owner    = "alice"
	Intruder = "mallory"
)

// Strategies compared end to end.
const (
	// StrategyGuarded is ddbguard: one conditional request, the failure
	// classified from the ALL_OLD item DynamoDB returns with it.
	StrategyGuarded = "ddbguard"
	// StrategyNaive reads the item (GetItem, consistent), checks owner and
	// version in Go, then writes without a condition: the TOCTOU pattern.
	StrategyNaive = "naive read-check-write"
	// StrategyExplain writes with the guard condition but without ALL_OLD,
	// and on a failed condition reads the item (GetItem) to tell the
	// caller why.
	StrategyExplain = "conditional write + GetItem"
)

// E2E runs end-to-end measurements on a table of its own. Every request
// goes through API, which counts them.
type E2E struct {
	Client *dynamodb.Client
	API    *ddbguardtest.Counter
	Guard  *ddbguard.Guard
	Table  string
	// Indexed is a second table, with the owner index OwnerIndex, on which
	// only the request counts run: List pages (through Lister) and
	// WithoutOldItem's writes (through Oldless). The load runs on Table,
	// whose writes update no index.
	Indexed string
	Lister  *ddbguard.Guard
	Oldless *ddbguard.Guard
}

// NewE2E creates a fresh table (named ddbguard-bench-<random>, on-demand
// capacity, partition key "id") through client and returns an E2E on it.
// Close deletes the table.
func NewE2E(ctx context.Context, client *dynamodb.Client) (*E2E, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	table := "ddbguard-bench-" + hex.EncodeToString(b[:])
	if err := createTable(ctx, client, table, false); err != nil {
		return nil, err
	}
	api := &ddbguardtest.Counter{API: client}
	e := &E2E{Client: client, API: api, Table: table, Indexed: table + "-idx"}
	if err := createTable(ctx, client, e.Indexed, true); err != nil {
		return nil, errors.Join(err, e.Close(ctx))
	}
	var err error
	if e.Guard, err = ddbguard.New(api, Schema(table)); err != nil {
		return nil, err
	}
	s := Schema(e.Indexed)
	s.OwnerIndex = OwnerIndex
	if e.Lister, err = ddbguard.New(api, s); err != nil {
		return nil, err
	}
	if e.Oldless, err = ddbguard.New(api, Schema(e.Indexed), ddbguard.WithoutOldItem()); err != nil {
		return nil, err
	}
	return e, nil
}

// createTable creates table (on-demand capacity, partition key "id") and
// waits until it is active; with index, also the owner index OwnerIndex
// (partition key "owner", every attribute projected).
func createTable(ctx context.Context, client *dynamodb.Client, table string, index bool) error {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(AttrID), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrID), KeyType: types.KeyTypeHash}},
	}
	if index {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(AttrOwner), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(OwnerIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(AttrOwner), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	w := dynamodb.NewTableExistsWaiter(client)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", table, err)
	}
	return nil
}

// Close deletes the tables.
func (e *E2E) Close(ctx context.Context) error {
	var errs []error
	for _, t := range []string{e.Table, e.Indexed} {
		if _, err := e.Client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(t)}); err != nil {
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Seed writes an item at version 1 for every id, owned by owner, with a
// few concurrent writers.
func (e *E2E) Seed(ctx context.Context, owner string, ids ...string) error {
	return e.seed(ctx, e.Table, owner, ids...)
}

func (e *E2E) seed(ctx context.Context, table, owner string, ids ...string) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan string)
	)
	for range min(8, len(ids)) {
		wg.Go(func() {
			for id := range next {
				_, err := e.Client.PutItem(ctx, &dynamodb.PutItemInput{
					TableName: aws.String(table),
					Item: map[string]types.AttributeValue{
						AttrID:      &types.AttributeValueMemberS{Value: id},
						AttrOwner:   &types.AttributeValueMemberS{Value: owner},
						AttrVersion: &types.AttributeValueMemberN{Value: "1"},
						AttrTitle:   &types.AttributeValueMemberS{Value: "seeded"},
					},
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// Write is one end-to-end write: Caller writes the item ID, expecting
// Version when it is not 0.
type Write struct {
	Caller  string
	ID      string
	Version int64
	Title   string
}

// UpdateGuarded updates with ddbguard: one request.
func (e *E2E) UpdateGuarded(ctx context.Context, w Write) error {
	u := e.Guard.Update(w.Caller, ddbguard.Key{PK: w.ID}).Set(AttrTitle, w.Title)
	if w.Version != 0 {
		u.IfVersion(w.Version)
	}
	return u.Run(ctx)
}

// UpdateNaive reads the item, checks owner and version in Go, then updates
// without a condition: two requests on success, one on a refusal.
func (e *E2E) UpdateNaive(ctx context.Context, w Write) error {
	if err := e.readCheck(ctx, w); err != nil {
		return err
	}
	_, err := e.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(e.Table),
		Key:                       key(w.ID),
		UpdateExpression:          aws.String(handUpdateExpr),
		ExpressionAttributeNames:  map[string]string{"#title": AttrTitle, "#version": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":title": &types.AttributeValueMemberS{Value: w.Title}, ":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	return err
}

// UpdateExplain updates with the guard condition but without ALL_OLD; on
// a failed condition it reads the item to classify the failure.
func (e *E2E) UpdateExplain(ctx context.Context, w Write) error {
	cond := handDeleteCond
	values := map[string]types.AttributeValue{
		":caller": &types.AttributeValueMemberS{Value: w.Caller},
		":title":  &types.AttributeValueMemberS{Value: w.Title},
		":one":    &types.AttributeValueMemberN{Value: "1"},
	}
	if w.Version != 0 {
		cond = handUpdateCond
		values[":version"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(w.Version, 10)}
	}
	_, err := e.API.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(e.Table),
		Key:                 key(w.ID),
		UpdateExpression:    aws.String(handUpdateExpr),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{
			"#id": AttrID, "#owner": AttrOwner, "#version": AttrVersion, "#title": AttrTitle,
		},
		ExpressionAttributeValues: values,
	})
	return e.explain(ctx, w, err)
}

// DeleteGuarded deletes with ddbguard: one request.
func (e *E2E) DeleteGuarded(ctx context.Context, w Write) error {
	return e.Guard.Delete(w.Caller, ddbguard.Key{PK: w.ID}).Run(ctx)
}

// DeleteNaive reads, checks, then deletes without a condition.
func (e *E2E) DeleteNaive(ctx context.Context, w Write) error {
	if err := e.readCheck(ctx, w); err != nil {
		return err
	}
	_, err := e.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.Table), Key: key(w.ID)})
	return err
}

// DeleteExplain deletes with the guard condition, reading the item to
// classify a failure.
func (e *E2E) DeleteExplain(ctx context.Context, w Write) error {
	_, err := e.API.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(e.Table),
		Key:                       key(w.ID),
		ConditionExpression:       aws.String(handDeleteCond),
		ExpressionAttributeNames:  map[string]string{"#id": AttrID, "#owner": AttrOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":caller": &types.AttributeValueMemberS{Value: w.Caller}},
	})
	return e.explain(ctx, w, err)
}

func (e *E2E) newItem(w Write) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrID:      &types.AttributeValueMemberS{Value: w.ID},
		AttrOwner:   &types.AttributeValueMemberS{Value: w.Caller},
		AttrVersion: &types.AttributeValueMemberN{Value: "1"},
		AttrTitle:   &types.AttributeValueMemberS{Value: w.Title},
	}
}

// CreateGuarded creates with ddbguard: one request.
func (e *E2E) CreateGuarded(ctx context.Context, w Write) error {
	return e.Guard.Create(w.Caller, map[string]types.AttributeValue{
		AttrID:    &types.AttributeValueMemberS{Value: w.ID},
		AttrTitle: &types.AttributeValueMemberS{Value: w.Title},
	}).Run(ctx)
}

// CreateNaive reads the key, and writes without a condition if nothing is
// there.
func (e *E2E) CreateNaive(ctx context.Context, w Write) error {
	item, err := e.read(ctx, w.ID)
	if err != nil {
		return err
	}
	if item != nil {
		return ddbguard.ErrAlreadyExists
	}
	_, err = e.API.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.Table), Item: e.newItem(w)})
	return err
}

// CreateExplain creates with attribute_not_exists, reading the key to
// classify a failure.
func (e *E2E) CreateExplain(ctx context.Context, w Write) error {
	_, err := e.API.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(e.Table),
		Item:                     e.newItem(w),
		ConditionExpression:      aws.String(handCreateCond),
		ExpressionAttributeNames: map[string]string{"#id": AttrID},
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return err
	}
	item, err := e.read(ctx, w.ID)
	switch {
	case err != nil:
		return err
	case item != nil:
		return ddbguard.ErrAlreadyExists
	}
	return ddbguard.ErrConflict
}

// TxGuarded updates the items ids in one guarded transaction.
func (e *E2E) TxGuarded(ctx context.Context, caller string, ids ...string) error {
	tx := ddbguard.NewTx(e.API)
	for _, id := range ids {
		tx.Update(e.Guard.Update(caller, ddbguard.Key{PK: id}).Set(AttrTitle, "tx"))
	}
	return tx.Run(ctx)
}

// read returns the item at id (nil when there is none), read strongly
// consistent: the best a read-then-write can do, and still stale by the
// time of the write.
func (e *E2E) read(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := e.API.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.Table), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// readCheck reads the item and classifies it for w: nil when w may write.
func (e *E2E) readCheck(ctx context.Context, w Write) error {
	item, err := e.read(ctx, w.ID)
	if err != nil {
		return err
	}
	return classify(item, w)
}

// explain classifies err, the answer to a conditional write without
// ALL_OLD, with a second request.
func (e *E2E) explain(ctx context.Context, w Write, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return err
	}
	if err := e.readCheck(ctx, w); err != nil {
		return err
	}
	return ddbguard.ErrConflict // it changed again between the write and the read
}

// classify tells whether w may write item: nil, or the ddbguard sentinel
// that says why not.
func classify(item map[string]types.AttributeValue, w Write) error {
	if item == nil {
		return ddbguard.ErrNotFound
	}
	if o, ok := item[AttrOwner].(*types.AttributeValueMemberS); !ok || o.Value != w.Caller {
		return ddbguard.ErrNotOwner
	}
	if w.Version != 0 {
		if v, ok := item[AttrVersion].(*types.AttributeValueMemberN); !ok || v.Value != strconv.FormatInt(w.Version, 10) {
			return ddbguard.ErrConflict
		}
	}
	return nil
}
