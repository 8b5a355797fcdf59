package ddbguardvet_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// analyze runs the analyzer on pattern of the testdata module and returns
// its diagnostics with their file sets.
func analyze(t *testing.T, pattern string) ([]analysis.Diagnostic, []*packages.Package) {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax | packages.NeedModule,
		Dir:  filepath.Join(analysistest.TestData(), "src"),
		Env:  append(os.Environ(), "GOPROXY=off", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil || packages.PrintErrors(pkgs) > 0 {
		t.Fatalf("loading %s: %v", pattern, err)
	}
	res, err := checker.Analyze([]*analysis.Analyzer{ddbguardvet.Analyzer}, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var diags []analysis.Diagnostic
	for _, act := range res.Roots {
		diags = append(diags, act.Diagnostics...)
	}
	return diags, pkgs
}

// A race at an unconditioned write is added to that write's finding: one
// diagnostic, the unconditioned-write message first, the read as related
// information, severity in the Category.
func TestAnalyzer_raceIsRelatedInformationOfTheWritesFinding(t *testing.T) {
	diags, pkgs := analyze(t, "vettest/race")
	fset := pkgs[0].Fset
	var found bool
	for _, d := range diags {
		if d.Category != "high" && d.Category != "low" {
			t.Errorf("%s: category %q", fset.Position(d.Pos), d.Category)
		}
		if !strings.Contains(d.Message, "read-then-write race") || !strings.HasPrefix(d.Message, "DeleteItem without") {
			continue
		}
		if fset.Position(d.Pos).Line != 52 || filepath.Base(fset.Position(d.Pos).Filename) != "helpers.go" {
			continue
		}
		found = true
		if len(d.Related) != 1 {
			t.Fatalf("related information: %v", d.Related)
		}
		if p := fset.Position(d.Related[0].Pos); p.Line != 45 || !strings.Contains(d.Related[0].Message, "time of check: the GetItem (through repo.load)") {
			t.Errorf("related information at %s: %q", p, d.Related[0].Message)
		}
	}
	if !found {
		t.Fatal("no DeleteItem finding with the race at helpers.go:52")
	}
}

// The CI flag: with -severity=high, no low finding is reported by the
// analyzer either.
func TestAnalyzer_severityHighKeepsOnlyHighFindings(t *testing.T) {
	a := ddbguardvet.Analyzer
	if err := a.Flags.Set("severity", "high"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Flags.Set("severity", "low") })
	diags, _ := analyze(t, "vettest/app/storage")
	if len(diags) == 0 {
		t.Fatal("no high finding in app/storage")
	}
	for _, d := range diags {
		if d.Category != "high" || strings.HasPrefix(d.Message, "low severity") {
			t.Errorf("low finding under -severity=high: %s", d.Message)
		}
	}
}
