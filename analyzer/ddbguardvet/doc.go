// Package ddbguardvet is a go/analysis analyzer that finds the DynamoDB
// writes ddbguard should replace: PutItem, UpdateItem and DeleteItem inputs
// and transaction items that carry no condition, BatchWriteItem calls (which
// cannot carry one), and read-then-write races where a GetItem or Query
// result, compared in Go, decides whether an unconditioned write runs.
//
// Writes are recognised by the SDK's input types
// (*dynamodb.PutItemInput, types.Put, ...), whatever client, interface or
// wrapper sends them. The analysis works on SSA form, one function at a time,
// with summaries of the analyzed package's own helpers: an input is
// conditioned if ConditionExpression or Expected is stored into it anywhere
// in the function, or by a helper of the package it is passed to. An input
// the analysis loses sight of (a parameter, a helper of another package, a
// struct field) is not reported.
//
// A "//ddbguard:ignore <reason>" comment on the line of a finding, or the line
// above, suppresses it; a directive without a reason is reported.
//
// Use it through cmd/ddbguardvet, alone or as go vet's -vettool.
package ddbguardvet
