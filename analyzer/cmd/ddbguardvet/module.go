package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// runModule is the whole-module mode: ddbguardvet -module [flags] patterns.
// It takes the analyzer's flags (-tests, -severity) and exits like the
// standalone mode: 3 with findings, 1 on errors, 0 when clean.
func runModule(args []string) int {
	fs := flag.NewFlagSet("ddbguardvet -module", flag.ContinueOnError)
	ddbguardvet.Analyzer.Flags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	if err := fs.Parse(args); err != nil {
		return 1
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	tests := fs.Lookup("tests").Value.String() == "true"
	high := fs.Lookup("severity").Value.String() == "high"
	findings, err := ddbguardvet.RunModule(ddbguardvet.ModuleConfig{Tests: tests, HighOnly: high}, patterns...)
	for _, f := range findings {
		fmt.Fprintln(os.Stderr, f)
	}
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	case len(findings) > 0:
		return 3
	}
	return 0
}
