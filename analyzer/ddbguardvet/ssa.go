package ddbguardvet

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/ssa"
)

// builtSSA is the SSA form of the analyzed package: its functions, in
// source order, each with its closures.
type builtSSA struct {
	pkg   *ssa.Package
	funcs []*ssa.Function
}

// buildSSA builds the package's SSA form, as buildssa does. The analyzer
// builds it itself so that it can skip the packages that never hold a
// finding nor export a fact (the standard library, the SDK, the Go
// project's modules, ddbguard itself): since the analyzer has facts, it
// runs on every dependency, and SSA for all of them is most of its time.
func buildSSA(pass *analysis.Pass) *builtSSA {
	prog := ssa.NewProgram(pass.Fset, 0)
	if cfgs, ok := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs); ok {
		prog.SetNoReturn(cfgs.NoReturn)
	}
	for _, p := range pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	b := &builtSSA{pkg: pkg}
	for _, file := range pass.Files {
		for _, decl := range file.Decls {
			decl, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			fn, ok := pass.TypesInfo.Defs[decl.Name].(*types.Func)
			if !ok {
				continue
			}
			if f := prog.FuncValue(fn); f != nil {
				b.funcs = withAnons(f, b.funcs)
			}
		}
	}
	return b
}

// noFindings reports whether the package can hold neither a finding nor a
// fact worth exporting.
func noFindings(pass *analysis.Pass) bool {
	path := pass.Pkg.Path()
	std := isStdlib(path) && (pass.Module == nil || pass.Module.Path == "std")
	return std || skipPackage(path) ||
		strings.HasPrefix(path, "github.com/aws/") || strings.HasPrefix(path, "golang.org/x/")
}
