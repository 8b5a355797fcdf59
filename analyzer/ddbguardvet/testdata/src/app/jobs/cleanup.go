// Package jobs holds background jobs: they write other users' items with
// no caller at all, which is what Guard.Admin is for.
package jobs

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vettest/app/storage"
)

// PurgeDeleted scans for tombstones and deletes them: iterating is not an
// ownership check, and the write is a system write.
func PurgeDeleted(ctx context.Context, db *dynamodb.Client) error { // want PurgeDeleted:"^writes DeleteItem unconditioned at cleanup.go:26$"
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(storage.Table), FilterExpression: aws.String("attribute_exists(deleted)")})
	if err != nil {
		return err
	}
	for i := 0; i < len(out.Items); i++ {
		it := out.Items[i]
		_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(storage.Table), Key: map[string]types.AttributeValue{"pk": it["pk"]}}) // want `^DeleteItem without ConditionExpression or Expected deletes the item whoever owns it; for a system or job write of other users' items use ddbguard Guard.Admin\(reason\)`
		if err != nil {
			return err
		}
	}
	return nil
}

// ExpireOld compares each scanned item's expiry before deleting it: the
// comparison decides the write, and the item can be renewed in between.
func ExpireOld(ctx context.Context, db *dynamodb.Client) error { // want ExpireOld:"^writes DeleteItem unconditioned at cleanup.go:48$"
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(storage.Table)})
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	for _, it := range out.Items {
		n, ok := it["expires"].(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		if exp, _ := strconv.ParseInt(n.Value, 10, 64); exp < now {
			db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(storage.Table), Key: map[string]types.AttributeValue{"pk": it["pk"]}}) // want `^DeleteItem without .*; read-then-write race .* the Scan at cleanup.go:37 .*Guard.Admin\(reason\)`
		}
	}
	return nil
}

// PurgeThroughHelper deletes scanned items through the generic helper.
func PurgeThroughHelper(ctx context.Context, db *dynamodb.Client) error { // want PurgeThroughHelper:"writes DeleteItem unconditioned at storage.go:60$"
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(storage.Table)})
	if err != nil {
		return err
	}
	for _, it := range out.Items {
		pk := it["pk"].(*types.AttributeValueMemberS).Value
		if err := storage.DeleteItem(ctx, db, pk, "meta"); err != nil { // want `^this call to storage.DeleteItem passes it the key .*; for a system or job write of other users' items use ddbguard Guard.Admin\(reason\)`
			return err
		}
	}
	return nil
}
