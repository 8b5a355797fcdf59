// Package repo declares the repository the service layer depends on; the
// DynamoDB implementation lives in repo/dynamo, which the service never
// imports.
package repo

import (
	"context"

	"vettest/app/model"
)

// Notes stores notes.
type Notes interface {
	Find(ctx context.Context, id string) (*model.Note, error)
	Save(ctx context.Context, n *model.Note) error
	Delete(ctx context.Context, id string) error
	Bump(ctx context.Context, id string) error
}
