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
// Owner, ID, Version and the timestamps are written only by the server.
type Item struct {
	ID        string   `json:"id" dynamodbav:"id"`
	Owner     string   `json:"owner" dynamodbav:"owner"`
	Version   int64    `json:"version" dynamodbav:"version"`
	Name      string   `json:"name" dynamodbav:"name"`
	Notes     string   `json:"notes,omitempty" dynamodbav:"notes,omitempty"`
	Tags      []string `json:"tags,omitempty" dynamodbav:"tags,omitempty"`
	CreatedAt string   `json:"created_at" dynamodbav:"created_at"`
	UpdatedAt string   `json:"updated_at" dynamodbav:"updated_at"`
}

// The stored attributes the handlers name.
const (
	attrID        = "id"
	attrOwner     = "owner"
	attrVersion   = "version"
	attrName      = "name"
	attrNotes     = "notes"
	attrTags      = "tags"
	attrCreatedAt = "created_at"
	attrUpdatedAt = "updated_at"
)

// schema is the table's ddbguard schema: the guard alone writes the key,
// owner and version, and nothing may change created_at after the create.
func schema(table string) ddbguard.Schema {
	return ddbguard.Schema{
		Table:        table,
		PartitionKey: attrID,
		Owner:        attrOwner,
		Version:      attrVersion,
		Protected:    []string{attrCreatedAt},
	}
}

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

// validKey is the guard's key validator: the same check, so that no request
// can reach DynamoDB with an id the handlers would have refused.
func validKey(k ddbguard.Key) error {
	id, ok := k.PK.(string)
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
