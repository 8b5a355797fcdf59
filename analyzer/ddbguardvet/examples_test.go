package ddbguardvet_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// TestExamplesTOCTOU runs the analyzer on the repository's attack demo: the
// naive read-then-write implementation (naive.go) must be reported, the
// ddbguard one (guarded.go) must not, and examples/httpapi must be silent.
// The same check runs on a stand-in demo in testdata, so the check itself is
// tested before the demo exists. examples/ may be a module of its own: the
// packages are loaded from the nearest go.mod above them.
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
		checkSilent(t, root, "httpapi")
	})
}

// moduleOf returns the directory of the module holding dir (the nearest
// go.mod at or above it, up to root) and the pattern of dir's packages in it.
func moduleOf(t *testing.T, root, dir string) (string, string) {
	t.Helper()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			rel, err := filepath.Rel(d, dir)
			if err != nil {
				t.Fatal(err)
			}
			return d, "./" + filepath.ToSlash(rel) + "/..."
		}
		if d == root || d == filepath.Dir(d) {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// checkTOCTOU asserts findings in naive.go and none in guarded.go under
// examples/toctou of the repository (or stand-in) at root, package by
// package and in the whole-module mode.
func checkTOCTOU(t *testing.T, root string, env ...string) {
	mod, pattern := moduleOf(t, root, filepath.Join(root, "examples", "toctou"))
	start := time.Now()
	found := diagnosticsByFile(t, mod, pattern, env)
	t.Logf("analyzer on %s: %d files with findings in %v", pattern, len(found), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	found2 := moduleByFile(t, mod, pattern, env)
	t.Logf("module mode on %s: %d files with findings in %v", pattern, len(found2), time.Since(start).Round(time.Millisecond))
	for mode, found := range map[string]map[string][]string{"analyzer": found, "module": found2} {
		naive := 0
		for file, msgs := range found {
			switch filepath.Base(file) {
			case "naive.go":
				naive += len(msgs)
			case "guarded.go":
				for _, m := range msgs {
					t.Errorf("%s: guarded implementation reported: %s", mode, m)
				}
			}
		}
		t.Logf("%s: %d findings in naive.go", mode, naive)
		if naive == 0 {
			t.Errorf("%s: no finding in the naive implementation (naive.go); all findings: %v", mode, found)
		}
	}
}

// checkSilent asserts no finding at all under examples/<name>.
func checkSilent(t *testing.T, root, name string) {
	mod, pattern := moduleOf(t, root, filepath.Join(root, "examples", name))
	for mode, found := range map[string]map[string][]string{
		"analyzer": diagnosticsByFile(t, mod, pattern, nil),
		"module":   moduleByFile(t, mod, pattern, nil),
	} {
		for _, msgs := range found {
			for _, m := range msgs {
				t.Errorf("%s: examples/%s reported: %s", mode, name, m)
			}
		}
	}
}

// moduleByFile runs the whole-module mode and returns its messages by file.
func moduleByFile(t *testing.T, dir, pattern string, env []string) map[string][]string {
	t.Helper()
	findings, err := ddbguardvet.RunModule(ddbguardvet.ModuleConfig{
		Dir: dir, Env: append(append(os.Environ(), "GOWORK=off"), env...),
	}, pattern)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for _, f := range findings {
		found[f.Pos.Filename] = append(found[f.Pos.Filename], f.String())
	}
	return found
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
