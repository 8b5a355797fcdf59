package ddbguardvet_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// The testdata modules resolve the real SDK from the module cache with
// GOPROXY=off; deps_test.go makes `go test` fetch it first.

func TestAnalyzer_reportsUnguardedWritesAndRaces(t *testing.T) {
	dir := filepath.Join(analysistest.TestData(), "src")
	for _, pkg := range []string{"writes", "guards", "tx", "race", "ignore"} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.Run(t, dir, ddbguardvet.Analyzer, "vettest/"+pkg)
		})
	}
}

// The layered app: handlers (net/http and gin style), a service layer, a
// repository interface with a DynamoDB implementation, a storage package of
// plain functions, jobs and test helpers. Races across packages are found
// through facts (want Func:"..." checks the facts themselves).
func TestAnalyzer_layeredAppAcrossPackages(t *testing.T) {
	analysistest.Run(t, filepath.Join(analysistest.TestData(), "src"), ddbguardvet.Analyzer, "vettest/app/...")
}

func TestAnalyzer_testFilesOnlyWithTestsFlag(t *testing.T) {
	a := ddbguardvet.Analyzer
	if err := a.Flags.Set("tests", "true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Flags.Set("tests", "false") })
	analysistest.Run(t, filepath.Join(analysistest.TestData(), "src"), a, "vettest/withtests")
}

// The library's own packages build SDK inputs on purpose and are skipped;
// its examples are checked like user code.
func TestAnalyzer_skipsTheLibraryButNotItsExamples(t *testing.T) {
	analysistest.Run(t, filepath.Join(analysistest.TestData(), "self"), ddbguardvet.Analyzer, "./...")
}
