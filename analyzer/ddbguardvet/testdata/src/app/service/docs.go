package service

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"vettest/app/model"
	"vettest/app/storage"
)

// Docs is the documents service, over the storage functions.
type Docs struct{ DB *dynamodb.Client }

// Update reads through storage.GetDoc, compares the owner, then writes
// through storage.SaveDoc: the race is across packages.
func (s *Docs) Update(ctx context.Context, user, id, body string) error { // want Update:"^writes PutItem unconditioned at storage.go:43 keyed by parameter \\[3\\]"
	doc, err := storage.GetDoc(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if doc == nil || doc.OwnerID != user {
		return model.ErrForbidden
	}
	doc.Body = body
	return storage.SaveDoc(ctx, s.DB, doc) // want `^read-then-write race \(time-of-check/time-of-use\): the GetItem \(through storage.GetDoc\) at docs.go:18 is compared to decide whether this call to storage.SaveDoc, which sends an unconditioned PutItem at storage.go:43, runs, .*; use ddbguard Guard.Create \(a new item\) or Guard.Replace \(an existing one\) \(the owner check runs inside the write\)$`
}

// Load returns a document for the handler to check: a reader too.
func (s *Docs) Load(ctx context.Context, id string) (*model.Doc, error) { // want Load:"returns GetItem data"
	return storage.GetDoc(ctx, s.DB, id)
}

// Store writes through storage.SaveDoc: a writer too.
func (s *Docs) Store(ctx context.Context, d *model.Doc) error { // want Store:"writes PutItem unconditioned at storage.go:43 keyed by parameter \\[2\\]$"
	return storage.SaveDoc(ctx, s.DB, d)
}

// UpdateGuarded compares, then writes with a condition: not a race.
func (s *Docs) UpdateGuarded(ctx context.Context, user, id, body string) error { // want UpdateGuarded:"returns GetItem data$"
	doc, err := storage.GetDoc(ctx, s.DB, id)
	if err != nil {
		return err
	}
	if doc.OwnerID != user {
		return model.ErrForbidden
	}
	doc.Body = body
	return storage.SaveDocGuarded(ctx, s.DB, doc)
}
