// Command checksnippets compiles every Go snippet of a Markdown file (by
// default README.md) so that the README cannot show code that does not build.
//
// Usage, from the repository root (make test runs it):
//
//	go run ./internal/cmd/checksnippets [-keep] [FILE.md...]
//
// Every ```go block becomes a package of its own in a temporary module that
// requires only the library (replaced with this checkout), and the module is
// checked with go vet. A block is one of:
//
//   - a whole file, starting with "package": taken as it is;
//   - declarations (a line starting with func, type or import; var and
//     const alone are taken for statements): put in a file after the
//     imports it uses;
//   - statements: put in the body of a function. The function is `func _()`
//     unless the line before the block is a comment declaring what the
//     statements need, as a function signature:
//     <!-- snippet: func(ctx context.Context, caller string) error -->
//
// Imports are added for the packages a block names (ddbguard., dynamodb.,
// errors., ...; see knownImports). Code that is not Go, such as pseudo code,
// belongs in a block tagged with another language (```text).
//
// Errors point at the Markdown file's lines (//line directives).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	keep := flag.Bool("keep", false, "keep the generated module and print its folder")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = []string{"README.md"}
	}
	if err := run(files, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "checksnippets:", err)
		os.Exit(1)
	}
}

// snippet is one ```go block.
type snippet struct {
	file      string // the Markdown file
	line      int    // line of the block's first code line
	code      string
	signature string // from <!-- snippet: func(...) -->, or ""
}

// knownImports maps the package names snippets may use to import paths.
var knownImports = map[string]string{
	"context":        "context",
	"errors":         "errors",
	"fmt":            "fmt",
	"http":           "net/http",
	"json":           "encoding/json",
	"log":            "log",
	"os":             "os",
	"rand":           "crypto/rand",
	"slog":           "log/slog",
	"strings":        "strings",
	"testing":        "testing",
	"time":           "time",
	"aws":            "github.com/aws/aws-sdk-go-v2/aws",
	"config":         "github.com/aws/aws-sdk-go-v2/config",
	"attributevalue": "github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue",
	"expression":     "github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression",
	"dynamodb":       "github.com/aws/aws-sdk-go-v2/service/dynamodb",
	"types":          "github.com/aws/aws-sdk-go-v2/service/dynamodb/types",
	"ddbguard":       "github.com/ddbguard/ddbguard",
	"ddbguardtest":   "github.com/ddbguard/ddbguard/ddbguardtest",
	"mock":           "github.com/stretchr/testify/mock",
	"assert":         "github.com/stretchr/testify/assert",
	"require":        "github.com/stretchr/testify/require",
}

var (
	fence     = regexp.MustCompile("^```\\s*([A-Za-z0-9_+-]*)\\s*$")
	signature = regexp.MustCompile(`^<!--\s*snippet:\s*(func\s*\(.*)\s*-->\s*$`)
	declStart = regexp.MustCompile(`(?m)^(func|type|import)\b`)
)

// extract returns the ```go blocks of the Markdown text.
func extract(file, text string) ([]snippet, error) {
	var out []snippet
	var cur *snippet
	var body []string
	prev := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := fence.FindStringSubmatch(strings.TrimSpace(line))
		switch {
		case cur == nil && m != nil && m[1] == "go":
			cur = &snippet{file: file, line: n + 1}
			if s := signature.FindStringSubmatch(strings.TrimSpace(prev)); s != nil {
				cur.signature = strings.TrimSpace(s[1])
			}
			body = nil
		case cur == nil && m != nil:
			// Another language: skip to its closing fence.
			cur = &snippet{line: -1}
		case cur != nil && m != nil && m[1] == "":
			if cur.line > 0 {
				cur.code = strings.Join(body, "\n") + "\n"
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
		prev = line
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: a code block is not closed", file)
	}
	return out, sc.Err()
}

// source returns the Go file for s, in package pkg.
func source(s snippet, pkg string) string {
	code := s.code
	lineDirective := fmt.Sprintf("//line %s:%d\n", s.file, s.line)
	if strings.HasPrefix(strings.TrimSpace(code), "package ") {
		return lineDirective + code
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	if imports := importsOf(s.signature + "\n" + code); len(imports) > 0 {
		b.WriteString("import (\n")
		for _, path := range imports {
			fmt.Fprintf(&b, "\t%q\n", path)
		}
		b.WriteString(")\n\n")
	}
	if s.signature == "" && declStart.MatchString(code) {
		b.WriteString(lineDirective + code)
		return b.String()
	}
	sig := s.signature
	if sig == "" {
		sig = "func()"
	}
	fmt.Fprintf(&b, "func _%s {\n%s%s}\n", strings.TrimPrefix(sig, "func"), lineDirective, code)
	return b.String()
}

// importsOf returns the import paths of the known packages text names.
func importsOf(text string) []string {
	var paths []string
	for name, path := range knownImports {
		if regexp.MustCompile(`(^|[^A-Za-z0-9_.])` + name + `\.[A-Za-z_]`).MatchString(text) {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	return paths
}

func run(files []string, keep bool) error {
	var all []snippet
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			return err
		}
		s, err := extract(abs, string(text))
		if err != nil {
			return err
		}
		all = append(all, s...)
	}
	if len(all) == 0 {
		fmt.Println("checksnippets: no Go snippets")
		return nil
	}
	root, err := filepath.Abs(".")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run from the repository root (the library's go.mod)")
	}
	dir, err := os.MkdirTemp("", "ddbguard-snippets-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("checksnippets: module in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	gomod := "module snippets\n\ngo 1.24\n\nrequire github.com/ddbguard/ddbguard v0.0.0\n\nreplace github.com/ddbguard/ddbguard => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	for i, s := range all {
		pkg := fmt.Sprintf("s%02d", i+1)
		name := "snippet.go"
		if strings.Contains(s.code, "*testing.T") {
			name = "snippet_test.go"
		}
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, pkg, name), []byte(source(s, pkg)), 0o644); err != nil {
			return err
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	for _, args := range [][]string{{"mod", "tidy"}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %v (the Go snippets of %s must compile)", strings.Join(args, " "), err, strings.Join(files, ", "))
		}
	}
	fmt.Printf("checksnippets: %d Go snippets of %s compile\n", len(all), strings.Join(files, ", "))
	return nil
}
