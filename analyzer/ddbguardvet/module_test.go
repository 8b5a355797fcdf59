package ddbguardvet_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/ddbguard/ddbguard/analyzer/ddbguardvet"
)

// wantRE finds the diagnostic expectations of a line: `// want `re“
// (both modes) and `// modulewant `re“ (the whole-module mode only).
var wantRE = regexp.MustCompile("// (module)?want (\\+[0-9]+ )?`([^`]*)`")

// expectations returns, per file:line, the patterns the module mode must
// report there.
func expectations(t *testing.T, root string) map[string][]*regexp.Regexp {
	want := map[string][]*regexp.Regexp{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			for _, m := range wantRE.FindAllStringSubmatch(sc.Text(), -1) {
				at := line // "want +1 `re`" is for the next line
				if m[2] != "" {
					n, _ := strconv.Atoi(strings.TrimSpace(m[2][1:]))
					at += n
				}
				key := path + ":" + strconv.Itoa(at)
				want[key] = append(want[key], regexp.MustCompile(m[3]))
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// TestModule_resolvesInterfacesToTheModulesImplementations runs the
// whole-module mode on every case: it reports everything the analyzer
// reports (want) and, through the layered app's repository interface, the
// service's races (modulewant), and nothing else.
func TestModule_resolvesInterfacesToTheModulesImplementations(t *testing.T) {
	dir := filepath.Join(analysistest.TestData(), "src")
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	findings, err := ddbguardvet.RunModule(ddbguardvet.ModuleConfig{
		Dir: dir, Env: append(os.Environ(), "GOPROXY=off", "GOWORK=off"),
	}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("module mode: %d findings on testdata/src in %v", len(findings), time.Since(start).Round(time.Millisecond))
	want := expectations(t, abs)
	for _, f := range findings {
		key := f.Pos.Filename + ":" + strconv.Itoa(f.Pos.Line)
		matched := false
		for i, re := range want[key] {
			if re != nil && re.MatchString(f.Message) {
				want[key][i], matched = nil, true
				break
			}
		}
		if !matched {
			t.Errorf("unexpected finding %s", f)
		}
		if f.Category != "high" && f.Category != "low" {
			t.Errorf("%s: category %q", f.Pos, f.Category)
		}
	}
	for key, res := range want {
		for _, re := range res {
			if re != nil {
				t.Errorf("%s: no finding matching %s", key, re)
			}
		}
	}
}

// TestModule_severityHighDropsLowFindings checks the CI flag: no low
// finding is left, the high ones stay.
func TestModule_severityHighDropsLowFindings(t *testing.T) {
	findings, err := ddbguardvet.RunModule(ddbguardvet.ModuleConfig{
		Dir: filepath.Join(analysistest.TestData(), "src"), Env: append(os.Environ(), "GOPROXY=off", "GOWORK=off"),
		HighOnly: true,
	}, "./app/...")
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) == 0 {
		t.Fatal("no high finding")
	}
	for _, f := range findings {
		if f.Category != "high" || strings.HasPrefix(f.Message, "low severity") {
			t.Errorf("low finding under HighOnly: %s", f)
		}
	}
}
