// Package ddbguardvet is a go/analysis analyzer that finds the DynamoDB
// writes ddbguard should replace: PutItem, UpdateItem and DeleteItem inputs
// and transaction items that carry no condition, BatchWriteItem calls (which
// cannot carry one), and read-then-write races where a GetItem or Query
// result, compared in Go, decides whether an unconditioned write runs.
//
// Writes are recognised by the SDK's input types
// (*dynamodb.PutItemInput, types.Put, ...), whatever client, interface or
// wrapper sends them. The analysis works on SSA form, one function at a time,
// with per-function summaries exported to importing packages as facts
// (returns read data, writes unconditioned keyed by parameter i, writes
// through its input), so races across packages are found; RunModule (the
// command's -module) also resolves interface calls to the module's
// implementations. Findings carry Category "high" or "low" (counters,
// consume-once deletes, fixtures), and -severity=high keeps the high ones.
//
// An input is conditioned if ConditionExpression or Expected is stored into
// it anywhere in the function, or by a helper it is passed to. An input
// the analysis loses sight of (a parameter, a helper of another package, a
// struct field) is not reported.
//
// A "//ddbguard:ignore <reason>" comment on the line of a finding, or the line
// above, suppresses it; a directive without a reason is reported.
//
// Use it through cmd/ddbguardvet, alone or as go vet's -vettool.
package ddbguardvet
