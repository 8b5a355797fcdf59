package ddbguard_test

import (
	"testing"

	"github.com/ddbguard/ddbguard"
)

// BenchmarkViews measures what a view costs to make and what a request
// built in it costs, next to the bare Guard's.
func BenchmarkViews(b *testing.B) {
	api := new(scStore)
	plain, _ := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Version: "version"})
	tenant, _ := ddbguard.New(api, ddbguard.Schema{Table: "docs", PartitionKey: "pk", Version: "version", Tenant: "tenant"})
	k := ddbguard.Key{PK: "doc-1"}
	b.Run("ForTenant", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = tenant.ForTenant("acme")
		}
	})
	b.Run("Admin", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = plain.Admin(scReason)
		}
	})
	build := func(b *testing.B, v interface {
		Update(string, ddbguard.Key) *ddbguard.GuardedUpdate
	}) {
		b.ReportAllocs()
		for range b.N {
			if _, err := v.Update("alice", k).Set("title", "x").IfVersion(3).Input(); err != nil {
				b.Fatal(err)
			}
		}
	}
	acme := tenant.ForTenant("acme")
	b.Run("UpdateInput/bare", func(b *testing.B) { build(b, plain) })
	b.Run("UpdateInput/tenant", func(b *testing.B) { build(b, acme) })
	b.Run("UpdateInput/tenantAdmin", func(b *testing.B) { build(b, acme.Admin(scReason)) })
}
