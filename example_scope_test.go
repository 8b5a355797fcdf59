package ddbguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// tenantDocs is a Guard for a multi-tenant documents table.
func tenantDocs(db *exampleDB, opts ...ddbguard.Option) *ddbguard.Guard {
	g, err := ddbguard.New(db, ddbguard.Schema{Table: "docs", PartitionKey: "id", Tenant: "tenant"}, opts...)
	if err != nil {
		panic(err)
	}
	return g
}

func ExampleGuard_ForTenant() {
	db := &exampleDB{}
	g := tenantDocs(db)
	ctx := context.Background()

	// The tenant comes from the verified token, like the caller.
	acme := g.ForTenant("acme")
	in, _ := acme.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "Q3 plan").Input()
	fmt.Println(*in.ConditionExpression)

	// Create stamps the tenant.
	put, _ := acme.Create("alice", map[string]any{"id": "doc-2"}).Input()
	fmt.Println("stamped:", put.Item["tenant"].(*types.AttributeValueMemberS).Value)

	// The same user id in another tenant is another person.
	db.item = item(map[string]any{"id": "doc-1", "tenant": "globex", "owner": "alice", "title": "globex's"})
	var doc map[string]any
	err := acme.Get(ctx, "alice", ddbguard.Key{PK: "doc-1"}, &doc)
	fmt.Println(errors.Is(err, ddbguard.ErrNotOwner), ddbguard.HTTPStatus(err), doc == nil)

	// Outside a tenant view nothing is sent.
	db.requests = 0
	err = g.Update("alice", ddbguard.Key{PK: "doc-1"}).Set("title", "x").Run(ctx)
	fmt.Println(errors.Is(err, ddbguard.ErrInvalidInput), "requests:", db.requests)
	// Output:
	// attribute_exists(#gk) AND #go = :gc AND #gt = :gtn
	// stamped: acme
	// true 404 true
	// true requests: 0
}

func ExampleGuard_Admin() {
	db := &exampleDB{}
	audit := func(_ context.Context, e ddbguard.AuditEvent) {
		fmt.Printf("audit: %s by %s in %s, admin=%v why=%q failed=%v\n", e.Op, e.Caller, e.Tenant, e.Admin, e.Why, e.Failed)
	}
	g := tenantDocs(db, ddbguard.WithAudit(audit))
	ctx := context.Background()

	// A support tool closes alice's document: the admin is the caller, the
	// ticket is the reason, and the tenant still confines the write.
	support := g.ForTenant("acme").Admin("ticket 4711: customer asked to close")
	u := support.Update("support:erin", ddbguard.Key{PK: "doc-1"}).Set("state", "closed")
	in, _ := u.Input()
	fmt.Println(*in.ConditionExpression)
	fmt.Println(u.Run(ctx))

	// There is no cross-tenant admin.
	err := g.Admin("nightly cleanup").Delete("job:cleanup", ddbguard.Key{PK: "doc-1"}).Run(ctx)
	fmt.Println(errors.Is(err, ddbguard.ErrInvalidInput), "requests:", db.requests)
	// Output:
	// attribute_exists(#gk) AND #gt = :gtn
	// audit: update by support:erin in acme, admin=true why="ticket 4711: customer asked to close" failed=false
	// <nil>
	// audit: delete by job:cleanup in , admin=true why="nightly cleanup" failed=true
	// true requests: 1
}
