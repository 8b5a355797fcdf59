package ddbguard

import "testing"

// noAPI satisfies API and is never called: New sends nothing.
type noAPI struct{ API }

// The bare Guard that New returns is no tenant's view: only ForTenant
// (scope.go) narrows a Guard to a tenant.
func TestNew_bareGuard_hasNoTenant(t *testing.T) {
	g, err := New(noAPI{}, Schema{Table: "t", PartitionKey: "pk", Tenant: "tenant"})
	if err != nil {
		t.Fatal(err)
	}
	if g.tenant != "" {
		t.Errorf("tenant = %q, want \"\" on the bare Guard", g.tenant)
	}
}
