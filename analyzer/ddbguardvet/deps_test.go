package ddbguardvet_test

// The testdata modules need these SDK modules in the module cache, where
// analysistest (GOPROXY=off) looks for them: importing them here makes
// `go test` download them, and keeps them in this module's go.mod.
import (
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	_ "github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
)
