package ddbguardvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// ModuleConfig configures RunModule.
type ModuleConfig struct {
	Dir      string   // directory the patterns are resolved in ("" is the current one)
	Env      []string // environment of the go command (nil is os.Environ)
	Tests    bool     // also report findings in _test.go files (loads the test packages)
	HighOnly bool     // report only high-severity findings
}

// Finding is one diagnostic of RunModule, with its position resolved.
type Finding struct {
	Pos      token.Position
	Category string // "high" or "low"
	Message  string
}

// String formats the finding as file:line:col: message.
func (f Finding) String() string { return fmt.Sprintf("%s: %s", f.Pos, f.Message) }

// RunModule analyzes the packages matching patterns as one program: the
// whole-module mode. On top of what the analyzer finds package by package,
// an interface method call resolves to the implementations the loaded
// packages declare (class hierarchy analysis over the module's types), so a
// service that reads through repo.Find and writes through repo.Save of a
// repository interface is a race when the module's implementation of Save
// writes unconditioned. The vet protocol cannot do this: a package sees
// only the packages it imports, and a service never imports its
// repository's implementation. Packages that fail to load are returned in
// the error, after the others were analyzed.
func RunModule(cfg ModuleConfig, patterns ...string) ([]Finding, error) {
	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedTypes | packages.NeedTypesSizes | packages.NeedSyntax | packages.NeedTypesInfo |
			packages.NeedDeps | packages.NeedModule,
		Dir:   cfg.Dir,
		Env:   cfg.Env,
		Tests: cfg.Tests,
	}, patterns...)
	if err != nil {
		return nil, err
	}
	pkgs, loadErr := wellTyped(pkgs)
	prog, ssaPkgs := ssautil.Packages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	m := newModule(prog, pkgs, ssaPkgs)
	findings := m.analyze(cfg)
	return findings, loadErr
}

// wellTyped drops the packages with errors (naming them in the error), the
// generated test mains, and the plain variant of a package whose test
// variant ("p [p.test]") loaded: broken test files drop only themselves.
func wellTyped(pkgs []*packages.Package) ([]*packages.Package, error) {
	var bad []string
	good := map[string]bool{}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			bad = append(bad, p.ID)
		} else {
			good[p.ID] = true
		}
	}
	var ok []*packages.Package
	for _, p := range pkgs {
		switch {
		case !good[p.ID], p.Name == "main" && strings.HasSuffix(p.ID, ".test"):
		case good[p.PkgPath+" ["+p.PkgPath+".test]"] && p.ID == p.PkgPath:
		default:
			ok = append(ok, p)
		}
	}
	if len(bad) > 0 {
		return ok, fmt.Errorf("ddbguardvet: packages with errors were not analyzed: %s", strings.Join(bad, ", "))
	}
	return ok, nil
}

// module is the loaded program and the packages in scope.
type module struct {
	prog  *ssa.Program
	pkgs  map[*ssa.Package]*packages.Package
	types []types.Type // the named types the module declares, and pointers to them
	cache map[string][]*ssa.Function
}

func newModule(prog *ssa.Program, pkgs []*packages.Package, ssaPkgs []*ssa.Package) *module {
	m := &module{prog: prog, pkgs: map[*ssa.Package]*packages.Package{}, cache: map[string][]*ssa.Function{}}
	for i, sp := range ssaPkgs {
		if sp == nil || skipPackage(sp.Pkg.Path()) {
			continue
		}
		m.pkgs[sp] = pkgs[i]
		for _, mem := range sp.Members {
			if t, ok := mem.(*ssa.Type); ok {
				named, ok := t.Type().(*types.Named)
				if !ok || named.TypeParams().Len() > 0 || types.IsInterface(named) {
					continue
				}
				m.types = append(m.types, named, types.NewPointer(named))
			}
		}
	}
	return m
}

// impls returns the module's implementations of the interface method that
// c invokes.
func (m *module) impls(c *ssa.CallCommon) []*ssa.Function {
	iface, ok := c.Value.Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	key := c.Value.Type().String() + "." + c.Method.Name()
	if fns, ok := m.cache[key]; ok {
		return fns
	}
	var fns []*ssa.Function
	seen := map[*ssa.Function]bool{}
	for _, t := range m.types {
		if !types.Implements(t, iface) {
			continue
		}
		sel := m.prog.MethodSets.MethodSet(t).Lookup(c.Method.Pkg(), c.Method.Name())
		if sel == nil {
			continue
		}
		if fn := m.prog.MethodValue(sel); fn != nil && fn.Synthetic == "" && !seen[fn] {
			seen[fn] = true
			fns = append(fns, fn)
		}
	}
	m.cache[key] = fns
	return fns
}

// analyze summarizes every function of the module, then reports package by
// package as the analyzer would, through a Pass of its own.
func (m *module) analyze(cfg ModuleConfig) []Finding {
	e := newEngine(func(f *ssa.Function) bool { return f != nil && m.pkgs[f.Pkg] != nil })
	e.impls = m.impls
	e.lowPkg = func(f *ssa.Function) string {
		if f.Pkg == nil {
			return ""
		}
		return testHelperPkg(f.Pkg.Pkg.Path())
	}
	byPkg := map[*ssa.Package][]*group{}
	var groups []*group
	for sp, p := range m.pkgs {
		for _, fn := range sourceFuncs(m.prog, p) {
			if fn.Blocks == nil {
				continue
			}
			g := newGroup(fn, e.pe)
			groups = append(groups, g)
			byPkg[sp] = append(byPkg[sp], g)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].root.Pos() < groups[j].root.Pos() })
	e.summarize(groups)
	var findings []Finding
	for sp, gs := range byPkg {
		p := m.pkgs[sp]
		pass := &analysis.Pass{
			Analyzer: Analyzer, Fset: p.Fset, Files: p.Syntax, Pkg: p.Types, TypesInfo: p.TypesInfo,
			Report: func(d analysis.Diagnostic) {
				findings = append(findings, Finding{Pos: p.Fset.Position(d.Pos), Category: d.Category, Message: d.Message})
			},
		}
		sort.Slice(gs, func(i, j int) bool { return gs[i].root.Pos() < gs[j].root.Pos() })
		r := newReporter(pass, cfg.Tests, cfg.HighOnly)
		for _, g := range gs {
			checkGroup(r, g, e)
		}
	}
	sort.Slice(findings, func(i, j int) bool {
		a, b := findings[i].Pos, findings[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return findings
}

// sourceFuncs returns the functions and methods declared in p's files.
func sourceFuncs(prog *ssa.Program, p *packages.Package) []*ssa.Function {
	var fns []*ssa.Function
	for _, file := range p.Syntax {
		for _, decl := range file.Decls {
			if decl, ok := decl.(*ast.FuncDecl); ok {
				if obj, ok := p.TypesInfo.Defs[decl.Name].(*types.Func); ok {
					if fn := prog.FuncValue(obj); fn != nil {
						fns = append(fns, fn)
					}
				}
			}
		}
	}
	return fns
}
