package ddbguardtest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/internal/ddblocal"
)

// EnvEndpoint names the environment variable that points LocalTable at a
// DynamoDB, such as DynamoDB Local at http://127.0.0.1:8000.
const EnvEndpoint = ddblocal.EnvEndpoint

// EnvRequire names the environment variable that, set to 1, makes
// LocalTable fail a test instead of skipping it when EnvEndpoint is unset.
const EnvRequire = ddblocal.EnvRequire

// LocalTable creates a fresh table for s on the DynamoDB at EnvEndpoint and
// returns a client for it and s with Table set to the new table's name, for
// integration tests of code built on ddbguard. The table has s's keys (typed
// by s.KeyTypes, S by default) and, with s.OwnerIndex, a global secondary
// index whose partition key is the owner attribute (S) and whose sort key is
// s.OwnerIndexSortKey or else s.Tenant, projecting ALL. s.Table, if set, is
// the new name's prefix. The table is deleted when the test ends.
//
// Without EnvEndpoint the test is skipped, or fails when EnvRequire is 1.
// The client uses region us-east-1 and fixed fake credentials, so it can
// never authenticate to a real AWS account.
func LocalTable(t testing.TB, s ddbguard.Schema) (*dynamodb.Client, ddbguard.Schema) {
	t.Helper()
	c := ddblocal.Client(t)
	spec := ddblocal.Table{Name: s.Table, PK: s.PartitionKey, SK: s.SortKey}
	if spec.Name == "" {
		spec.Name = t.Name()
	}
	if len(s.KeyTypes) > 0 {
		spec.PKType = s.KeyTypes[0]
	}
	if len(s.KeyTypes) > 1 {
		spec.SKType = s.KeyTypes[1]
	}
	if s.OwnerIndex != "" {
		spec.Index, spec.IndexPK = s.OwnerIndex, s.Owner
		if spec.IndexPK == "" {
			spec.IndexPK = "owner"
		}
		spec.IndexSK, spec.IndexSKType = s.OwnerIndexSortKey, s.OwnerIndexSortKeyType
		if spec.IndexSK == "" {
			spec.IndexSK, spec.IndexSKType = s.Tenant, types.ScalarAttributeTypeS
		}
		spec.IndexSKType = keyType(spec, spec.IndexSK, spec.IndexSKType)
	}
	s.Table = ddblocal.NewTable(t, c, spec)
	return c, s
}

// Main runs m's tests and returns their exit code; call it from TestMain
// in a package whose integration tests use LocalTable:
//
//	func TestMain(m *testing.M) { os.Exit(ddbguardtest.Main(m)) }
//
// When LocalTable skipped tests because EnvEndpoint is unset, Main then
// prints one line saying how many were skipped and how to run them (on the
// terminal when there is one: `go test ./...` hides the output of a package
// that passes). It prints nothing when EnvEndpoint is set.
func Main(m *testing.M) int { return ddblocal.Main(m) }

// keyType returns the type of an index key attribute: the table key's type
// when the attribute is one of the table's keys, else typ.
func keyType(spec ddblocal.Table, name string, typ types.ScalarAttributeType) types.ScalarAttributeType {
	switch name {
	case spec.PK:
		return spec.PKType
	case spec.SK:
		return spec.SKType
	}
	return typ
}
