package ddbguardvet_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// The testdata modules resolve the real SDK from the module cache with
// GOPROXY=off; deps_test.go makes `go test` fetch it first.

func TestAnalyzer(t *testing.T) {
	dir := filepath.Join(analysistest.TestData(), "src")
	for _, pkg := range []string{"writes", "guards", "tx", "race", "ignore"} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.Run(t, dir, ddbguardvet.Analyzer, "vettest/"+pkg)
		})
	}
}
