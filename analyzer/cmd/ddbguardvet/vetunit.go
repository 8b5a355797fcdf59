package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// unitConfig is the part of go vet's unit description (the .cfg file) that
// type-checking needs.
type unitConfig struct {
	ID          string
	Compiler    string
	ImportPath  string
	GoVersion   string
	GoFiles     []string
	ImportMap   map[string]string
	PackageFile map[string]string
}

// vetUnit makes a package whose test files do not compile still analyzed:
// go vet hands the tool the package with its _test.go files, and a type
// error in them would drop the whole package. When the files do not
// type-check but the non-test files do, vetUnit writes a unit without the
// test files, warns on stderr, and points os.Args at it.
func vetUnit(path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return // unitchecker reports it
	}
	var cfg unitConfig
	if json.Unmarshal(raw, &cfg) != nil {
		return
	}
	var prod []string
	for _, f := range cfg.GoFiles {
		if !strings.HasSuffix(f, "_test.go") {
			prod = append(prod, f)
		}
	}
	if len(prod) == 0 || len(prod) == len(cfg.GoFiles) {
		return
	}
	first := typeCheck(&cfg, cfg.GoFiles)
	if first == nil || typeCheck(&cfg, prod) != nil {
		return
	}
	var unit map[string]any
	if json.Unmarshal(raw, &unit) != nil {
		return
	}
	unit["GoFiles"] = prod
	unit["CompiledGoFiles"] = prod
	out, err := json.Marshal(unit)
	if err != nil {
		return
	}
	tmp := filepath.Join(os.TempDir(), fmt.Sprintf("ddbguardvet-%d-%s", os.Getpid(), filepath.Base(path)))
	if os.WriteFile(tmp, out, 0o600) != nil {
		return
	}
	fmt.Fprintf(os.Stderr, "ddbguardvet: %s: test files do not compile (%v); analyzed without them\n", cfg.ID, first)
	os.Args[len(os.Args)-1] = tmp
}

// typeCheck returns the first error of type-checking files, or nil.
func typeCheck(cfg *unitConfig, files []string) error {
	fset := token.NewFileSet()
	var syntax []*ast.File
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return err
		}
		syntax = append(syntax, f)
	}
	compiler := cfg.Compiler
	if compiler == "" {
		compiler = "gc"
	}
	imp := importer.ForCompiler(fset, compiler, func(path string) (io.ReadCloser, error) {
		file, ok := cfg.PackageFile[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
	var first error
	tc := &types.Config{
		GoVersion: cfg.GoVersion,
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			if p, ok := cfg.ImportMap[path]; ok {
				path = p
			}
			return imp.Import(path)
		}),
		Error: func(err error) {
			if first == nil {
				first = err
			}
		},
	}
	_, _ = tc.Check(cfg.ImportPath, fset, syntax, nil)
	return first
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
