// Package bench measures what an ownership-guarded write costs.
//
// The same four writes — an Update with a version check, a Delete, a Create
// and a three-item transaction, every one guarded by the owner condition and
// asking for the old item on a failed condition (ALL_OLD) — are performed by
// four contenders:
//
//   - ddbguard: the library's builders (Guard.Update, Delete, Create, NewTx);
//   - hand: the same request written by hand as an SDK input literal;
//   - expression: the same request built with the SDK's expression package;
//   - guregu: the same request through github.com/guregu/dynamo/v2.
//
// Each contender is measured at two layers. At the "noop" layer the request
// is built and handed to an API interface that answers at once without
// looking at it (NoopAPI, and NoopGureguAPI for guregu/dynamo, whose client
// interface is its own): this is what DESIGN point 8 is about, building a
// request and handing it to the API interface. At the "sdk" layer the
// request goes through a real *dynamodb.Client whose HTTP client answers a
// canned 200 response without any network (CannedHTTPClient), so every
// contender also pays the SDK's serialization, signing and middleware.
//
// The end-to-end half (E2E) runs against DynamoDB Local: throughput and
// latency of a guarded update next to the naive read-check-write, the
// number of requests each strategy sends per outcome, and the failure path
// next to "conditional write, then GetItem to explain the failure".
//
// The CPU benchmarks are ordinary Go benchmarks (go test -bench); the
// report program in cmd/report turns their output and the end-to-end
// measurements into docs/PERFORMANCE.md and docs/throughput.svg. `make
// bench` at the repository root runs both.
package bench
