// Command ddbguardvet reports DynamoDB writes that carry no ownership
// condition and read-then-write races, the code ddbguard replaces.
//
// Run it directly or as a vet tool:
//
//	ddbguardvet ./...
//	go vet -vettool=$(command -v ddbguardvet) ./...
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

func main() { singlechecker.Main(ddbguardvet.Analyzer) }
