// Command ddbguardvet reports DynamoDB writes that carry no ownership
// condition and read-then-write races, the code ddbguard replaces.
//
// Run it on its own, as a vet tool, or on the whole module at once:
//
//	ddbguardvet ./...
//	go vet -vettool=$(command -v ddbguardvet) ./...
//	ddbguardvet -module ./...   # interface calls resolved to the module's implementations
//
// As a vet tool, a package whose test files do not compile is analyzed
// without them (with a warning) instead of being dropped.
package main

import (
	"os"
	"strings"

	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

func main() {
	args := os.Args[1:]
	for i, a := range args {
		if a == "-module" || a == "--module" {
			os.Exit(runModule(append(args[:i:i], args[i+1:]...)))
		}
	}
	if len(args) > 0 && strings.HasSuffix(args[len(args)-1], ".cfg") {
		vetUnit(args[len(args)-1])
	}
	singlechecker.Main(ddbguardvet.Analyzer)
}
