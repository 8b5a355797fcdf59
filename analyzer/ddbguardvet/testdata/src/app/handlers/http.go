// Package handlers holds the HTTP handlers: net/http style here, gin style
// in gin.go. They know the caller; the writes happen in other packages.
package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"vettest/app/service"
	"vettest/app/storage"
)

// HTTP serves documents with net/http.
type HTTP struct {
	DB   *dynamodb.Client
	Docs *service.Docs
}

// Routes registers the handlers.
func (h *HTTP) Routes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /docs/{id}", h.PutDoc)
	mux.HandleFunc("POST /docs/{id}/archive", h.Archive)
	mux.HandleFunc("GET /mine", h.ListMine)
}

// PutDoc reads through storage.GetDoc, compares the owner, then calls
// storage.SaveDoc: the race is reported here, naming both calls.
func (h *HTTP) PutDoc(w http.ResponseWriter, r *http.Request) { // want PutDoc:"^writes PutItem unconditioned at storage.go:43 keyed by parameter \\[2\\]$"
	user := r.Header.Get("X-User")
	doc, err := storage.GetDoc(r.Context(), h.DB, r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if doc.OwnerID != user {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if err := json.NewDecoder(r.Body).Decode(doc); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := storage.SaveDoc(r.Context(), h.DB, doc); err != nil { // want `^read-then-write race .* the GetItem \(through storage.GetDoc\) at http.go:34 .* this call to storage.SaveDoc, which sends an unconditioned PutItem at storage.go:43, runs`
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Archive checks through the service's reader, then writes through its
// writer: two layers deep on both sides.
func (h *HTTP) Archive(w http.ResponseWriter, r *http.Request) { // want Archive:"^writes PutItem unconditioned at storage.go:43"
	doc, err := h.Docs.Load(r.Context(), r.PathValue("id"))
	if err != nil || doc.OwnerID != r.Header.Get("X-User") {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	doc.Body = ""
	_ = h.Docs.Store(r.Context(), doc) // want `^read-then-write race .* the GetItem \(through Docs.Load\) at http.go:55 .* this call to Docs.Store, which sends an unconditioned PutItem at storage.go:43, runs`
}

// ListMine queries the caller's items and marks each read: ranging over
// the items is not an ownership check (no race), but the writes are
// unguarded, and Guard.List is what reads the caller's items.
func (h *HTTP) ListMine(w http.ResponseWriter, r *http.Request) { // want ListMine:"^writes UpdateItem unconditioned at http.go:80$"
	user := r.Header.Get("X-User")
	out, err := h.DB.Query(r.Context(), &dynamodb.QueryInput{
		TableName: aws.String(storage.Table), IndexName: aws.String("by-owner"),
		KeyConditionExpression:    aws.String("#o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: user}},
	})
	if err != nil || len(out.Items) == 0 || out.Count == 0 {
		return
	}
	for _, it := range out.Items {
		key := map[string]types.AttributeValue{"pk": it["pk"]}
		h.DB.UpdateItem(r.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(storage.Table), Key: key, UpdateExpression: aws.String("SET seen = :t")}) // want `^UpdateItem without ConditionExpression or Expected changes \(or creates\) the item whoever owns it; read the caller's items with ddbguard Guard.List`
	}
	if out.LastEvaluatedKey != nil {
		w.Header().Set("More", "1")
	}
}
