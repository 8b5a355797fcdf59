// Package service is the service layer: it checks ownership, then writes
// through a repository interface whose implementation it does not import.
package service

import (
	"context"

	"vettest/app/model"
	"vettest/app/repo"
)

// Notes is the notes service.
type Notes struct{ Repo repo.Notes }

// Rename checks the creator, then saves: a race the analyzer cannot see
// package by package (repo.Notes has no body here); the module mode
// resolves Find and Save to dynamo.Notes.
func (s *Notes) Rename(ctx context.Context, user, id, title string) error {
	n, err := s.Repo.Find(ctx, id)
	if err != nil {
		return err
	}
	if n.CreatedBy != user {
		return model.ErrForbidden
	}
	n.Title = title
	return s.Repo.Save(ctx, n) // modulewant `^read-then-write race .* the GetItem \(through Notes.Find\) at notes.go:19 .* this call to Notes.Save, which sends an unconditioned PutItem at dynamo.go:45, runs`
}

// Remove checks the creator, then deletes through the interface.
func (s *Notes) Remove(ctx context.Context, user, id string) error {
	n, err := s.Repo.Find(ctx, id)
	if err != nil {
		return err
	}
	if n.CreatedBy == user {
		return s.Repo.Delete(ctx, id) // modulewant `^this call to Notes.Delete passes it the key or item of an unconditioned DeleteItem at dynamo.go:51.*; read-then-write race .* \(through Notes.Find\) at notes.go:32 .*Guard.Delete`
	}
	return model.ErrForbidden
}

// Edit bumps a counter after the check: low, as the write is.
func (s *Notes) Edit(ctx context.Context, user, id string) error {
	n, err := s.Repo.Find(ctx, id)
	if err != nil {
		return err
	}
	if n.CreatedBy != user {
		return model.ErrForbidden
	}
	return s.Repo.Bump(ctx, id) // modulewant `^low severity \(increment-only update\): read-then-write race`
}

// Archive saves without looking at the note: not a race.
func (s *Notes) Archive(ctx context.Context, id string) error {
	n, err := s.Repo.Find(ctx, id)
	if err != nil {
		return err
	}
	return s.Repo.Save(ctx, n)
}
