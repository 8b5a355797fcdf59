package ddbguardvet_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// TestExamplesTOCTOU runs the analyzer on the repository's attack demo: the
// naive read-then-write implementation (naive.go) must be reported, the
// ddbguard one (guarded.go) must not. The same check runs on a stand-in demo
// in testdata, so the check itself is tested before the demo exists.
func TestExamplesTOCTOU(t *testing.T) {
	t.Run("testdata", func(t *testing.T) {
		checkTOCTOU(t, filepath.Join(analysistest.TestData(), "self"), "GOPROXY=off")
	})
	t.Run("repository", func(t *testing.T) {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(root, "examples", "toctou")); err != nil {
			t.Fatalf("the demo the analyzer is checked against: %v", err)
		}
		checkTOCTOU(t, root)
	})
}

// checkTOCTOU asserts findings in naive.go and none in guarded.go under
// examples/toctou of the module at root.
func checkTOCTOU(t *testing.T, root string, env ...string) {
	// In the repository examples/ is a module of its own: load the demo there.
	dir, pattern := root, "./examples/toctou/..."
	if _, err := os.Stat(filepath.Join(root, "examples", "go.mod")); err == nil {
		dir, pattern = filepath.Join(root, "examples"), "./toctou/..."
	}
	found := diagnosticsByFile(t, dir, pattern, env)
	naive := 0
	for file, msgs := range found {
		switch filepath.Base(file) {
		case "naive.go":
			naive += len(msgs)
		case "guarded.go":
			for _, m := range msgs {
				t.Errorf("guarded implementation reported: %s", m)
			}
		}
	}
	if naive == 0 {
		t.Errorf("no finding in the naive implementation (naive.go); all findings: %v", found)
	}
}

// diagnosticsByFile loads pattern from the module at dir (with env added to
// the environment) and returns the analyzer's messages keyed by file.
func diagnosticsByFile(t *testing.T, dir, pattern string, env []string) map[string][]string {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedTypes | packages.NeedTypesSizes | packages.NeedSyntax | packages.NeedTypesInfo |
			packages.NeedDeps | packages.NeedModule,
		Dir: dir,
		Env: append(append(os.Environ(), "GOWORK=off"), env...),
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		t.Fatalf("loading %s: %v", pattern, err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatalf("%s does not build", pattern)
	}
	res, err := checker.Analyze([]*analysis.Analyzer{ddbguardvet.Analyzer}, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for _, act := range res.Roots {
		if act.Err != nil {
			t.Fatalf("%s: %v", act, act.Err)
		}
		for _, d := range act.Diagnostics {
			pos := act.Package.Fset.Position(d.Pos)
			found[pos.Filename] = append(found[pos.Filename], pos.String()+": "+d.Message)
		}
	}
	return found
}
