package ddbguard

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TestNew_bareGuardHasNoTenant: New returns the bare Guard, whose view
// has no tenant (ForTenant's views set one).
func TestNew_bareGuardHasNoTenant(t *testing.T) {
	g, err := New(dynamodb.New(dynamodb.Options{}), Schema{Table: "t", PartitionKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	if g.tenant != "" {
		t.Fatalf("tenant = %q", g.tenant)
	}
}
