// Command server wires the layers: the only package that sees both the
// service and the repository implementation.
package main

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"vettest/app/ginlike"
	"vettest/app/handlers"
	"vettest/app/repo/dynamo"
	"vettest/app/service"
)

func main() {
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1"})
	docs := &service.Docs{DB: db}
	notes := &service.Notes{Repo: dynamo.New(db)}
	mux := http.NewServeMux()
	(&handlers.HTTP{DB: db, Docs: docs}).Routes(mux)
	(&handlers.Gin{DB: db, Docs: docs, Notes: notes}).Register(&ginlike.Engine{})
	_ = http.ListenAndServe(":8080", mux)
}
