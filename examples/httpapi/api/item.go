package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"time"

	"github.com/ddbguard/ddbguard"
)

// Item is an item as it is stored and as the API shows it to its owner.
// Tenant, ID, Owner, Version, Status and the timestamps are written only
// by the server.
type Item struct {
	Tenant    string   `json:"tenant" dynamodbav:"tenant"`
	ID        string   `json:"id" dynamodbav:"id"`
	Owner     string   `json:"owner" dynamodbav:"owner"`
	Version   int64    `json:"version" dynamodbav:"version"`
	Status    string   `json:"status,omitempty" dynamodbav:"status,omitempty"`
	Name      string   `json:"name" dynamodbav:"name"`
	Notes     string   `json:"notes,omitempty" dynamodbav:"notes,omitempty"`
	Tags      []string `json:"tags,omitempty" dynamodbav:"tags,omitempty"`
	CreatedAt string   `json:"created_at" dynamodbav:"created_at"`
	UpdatedAt string   `json:"updated_at" dynamodbav:"updated_at"`
}

// The stored attributes the handlers name.
const (
	attrTenant    = "tenant"
	attrID        = "id"
	attrOwner     = "owner"
	attrVersion   = "version"
	attrStatus    = "status"
	attrName      = "name"
	attrNotes     = "notes"
	attrTags      = "tags"
	attrCreatedAt = "created_at"
	attrUpdatedAt = "updated_at"
)

// statusClosed is the status an admin gives an item with
// POST /admin/items/{id}/close. No owner's request can set or clear it.
const statusClosed = "closed"

// OwnerIndex is the global secondary index that GET /items queries: its
// partition key is the owner, its sort key the tenant, and it projects
// every attribute (ALL), since the list shows whole items.
const OwnerIndex = "by-owner"

// Schema is the table's ddbguard schema. Tenants live in the partition key
// (tenant, then id as sort key), so the same id in two tenants is two
// items and IAM's dynamodb:LeadingKeys can confine a tenant's role to its
// own partition. The guard alone writes the key, owner and version, and
// nothing may change created_at after the create. Create the table, and
// the tests' ddbguardtest.LocalTable, from it.
func Schema(table string) ddbguard.Schema {
	return ddbguard.Schema{
		Table:        table,
		PartitionKey: attrTenant,
		SortKey:      attrID,
		Tenant:       attrTenant,
		Owner:        attrOwner,
		Version:      attrVersion,
		Protected:    []string{attrCreatedAt},
		OwnerIndex:   OwnerIndex, // sort key: the tenant, ddbguard's default
	}
}

// itemKey is the key of the item id in tenant.
func itemKey(tenant, id string) ddbguard.Key { return ddbguard.Key{PK: tenant, SK: id} }

// idPattern is the format of item ids, chosen by clients or generated: short,
// URL-safe, and never a path trick such as ".." or an empty segment.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{2,63}$`)

var errBadID = errors.New("id must be 3 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit")

// validID checks an id's format.
func validID(id string) error {
	if !idPattern.MatchString(id) {
		return errBadID
	}
	return nil
}

// validKey is the guard's key validator: the same checks, so that no
// request can reach DynamoDB with an id or tenant the handlers and the
// token verifier would have refused.
func validKey(k ddbguard.Key) error {
	tenant, ok := k.PK.(string)
	if !ok || !tenantPattern.MatchString(tenant) {
		return errors.New("the tenant is not a tenant id")
	}
	id, ok := k.SK.(string)
	if !ok {
		return errBadID
	}
	return validID(id)
}

// newID returns a random id of 32 hex digits.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// timestamp formats t for storage and display.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
