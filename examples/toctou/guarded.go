package main

import (
	"context"
	"strconv"
	"time"

	"github.com/ddbguard/ddbguard"
)

// guarded is the same service written with ddbguard: no read, one write
// whose condition carries the owner check (and the version check), so the
// check and the use are one moment inside DynamoDB.
type guarded struct {
	g     *ddbguard.Guard
	think time.Duration
}

var _ Items = (*guarded)(nil)

// newGuarded returns the guarded service on table, sending through db.
func newGuarded(db ddbguard.API, table string, think time.Duration) (*guarded, error) {
	g, err := ddbguard.New(db, ddbguard.Schema{
		Table:        table,
		PartitionKey: attrID,
		Owner:        attrOwner,
		Version:      attrVersion,
	})
	if err != nil {
		return nil, err
	}
	return &guarded{g: g, think: think}, nil
}

// Create stores the item if the id is free; the owner is stamped from the
// caller.
func (s *guarded) Create(ctx context.Context, caller, id string) error {
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.g.Create(caller, newItem(id, caller)).Run(ctx)
}

// Update sets the value if the caller owns the item when DynamoDB writes.
func (s *guarded) Update(ctx context.Context, caller, id, value string) error {
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.g.Update(caller, ddbguard.Key{PK: id}).
		Set(attrValue, value).
		Set(attrLastWriter, caller).
		With(appendHistory(entry(logUpdate, caller, value))).
		Run(ctx)
}

// UpdateIfVersion also requires the version the client read; the guard
// increments it.
func (s *guarded) UpdateIfVersion(ctx context.Context, caller, id string, version int64, value string) error {
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.g.Update(caller, ddbguard.Key{PK: id}).
		IfVersion(version).
		Set(attrValue, value).
		Set(attrLastWriter, caller).
		With(appendHistory(entry(logUpdate, caller, strconv.FormatInt(version+1, 10)+" "+value))).
		Run(ctx)
}

// Delete deletes the item if the caller owns it when DynamoDB deletes.
func (s *guarded) Delete(ctx context.Context, caller, id string) error {
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.g.Delete(caller, ddbguard.Key{PK: id}).Run(ctx)
}

// Transfer gives the item away if the caller owns it when DynamoDB writes.
func (s *guarded) Transfer(ctx context.Context, caller, id, newOwner string) error {
	if err := think(ctx, s.think); err != nil {
		return err
	}
	return s.g.Transfer(caller, ddbguard.Key{PK: id}, newOwner).
		With(appendHistory(entry(logTransfer, newOwner, ""))).
		Run(ctx)
}
