// Package model holds the application's items.
package model

import "errors"

// Doc is a document owned by one user.
type Doc struct {
	ID      string `dynamodbav:"pk"`
	OwnerID string `dynamodbav:"owner"`
	Body    string `dynamodbav:"body"`
}

// Note is a note, created by one user.
type Note struct {
	ID        string `dynamodbav:"pk"`
	CreatedBy string `dynamodbav:"created_by"`
	Title     string `dynamodbav:"title"`
}

// ErrForbidden is returned to a caller who does not own the item.
var ErrForbidden = errors.New("forbidden")
