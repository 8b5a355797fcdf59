package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testdata is the analyzer's module of test packages.
var testdata = filepath.Join("..", "..", "ddbguardvet", "testdata", "src")

// buildTool builds this command into a temporary directory.
func buildTool(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ddbguardvet")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs name with args in the testdata module and returns its output and
// whether it succeeded.
func run(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = testdata
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), err == nil
}

func TestCommand_standaloneAndAsVetTool(t *testing.T) {
	bin := buildTool(t)
	cases := []struct {
		name    string
		cmd     string
		args    []string
		clean   bool
		contain string
	}{
		{"standalone reports", bin, []string{"./writes"}, false, "PutItem without ConditionExpression"},
		{"standalone clean", bin, []string{"./guards"}, true, ""},
		{"vet reports", "go", []string{"vet", "-vettool=" + bin, "./race"}, false, "read-then-write race"},
		{"vet clean", "go", []string{"vet", "-vettool=" + bin, "./guards"}, true, ""},
		{"module mode finds the race behind an interface", bin, []string{"-module", "./app/..."}, false,
			"the GetItem (through Notes.Find) at notes.go:19 is compared to decide whether this call to Notes.Save"},
		{"module mode clean", bin, []string{"-module", "./guards"}, true, ""},
		{"severity high keeps high findings", bin, []string{"-severity=high", "./app/storage"}, false, "PutItem without"},
		{"severity high drops low findings", bin, []string{"-severity=high", "./app/testutil"}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ok := run(t, c.cmd, c.args...)
			if ok != c.clean {
				t.Fatalf("succeeded = %v, want %v; output:\n%s", ok, c.clean, out)
			}
			if !strings.Contains(out, c.contain) {
				t.Fatalf("output does not contain %q:\n%s", c.contain, out)
			}
			if c.clean && strings.TrimSpace(out) != "" {
				t.Fatalf("clean run printed:\n%s", out)
			}
		})
	}
}

// TestVetTool_brokenTestFilesFallBackToThePackage checks that a package
// whose _test.go files do not compile is still analyzed by go vet: without
// the fallback the type error drops the whole package.
func TestVetTool_brokenTestFilesFallBackToThePackage(t *testing.T) {
	bin := buildTool(t)
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum", filepath.Join("writes", "writes.go")} {
		data, err := os.ReadFile(filepath.Join(testdata, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	broken := "package writes\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { var n int = \"no\"; _ = n }\n"
	if err := os.WriteFile(filepath.Join(dir, "writes", "broken_test.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "-vettool="+bin, "./writes")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	out, _ := cmd.CombinedOutput()
	for _, want := range []string{"test files do not compile", "analyzed without them", "writes.go:17:2: PutItem without ConditionExpression"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
}
