package ddbguardvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// ignoreDirective is the comment that suppresses one finding.
const ignoreDirective = "//ddbguard:ignore"

// lineKey identifies one line of one file.
type lineKey struct {
	file string
	line int
}

// directive is one //ddbguard:ignore comment.
type directive struct {
	reason string
	used   bool
}

// reporter turns findings into diagnostics: it anchors them on the source
// node, drops those in test files (unless asked) and honours directives.
type reporter struct {
	pass       *analysis.Pass
	tests      bool
	nodes      map[token.Pos]ast.Node // call Lparen and literal Lbrace -> node
	directives map[lineKey]*directive
	done       map[token.Pos]bool
}

func newReporter(pass *analysis.Pass, tests bool) *reporter {
	r := &reporter{
		pass:       pass,
		tests:      tests,
		nodes:      map[token.Pos]ast.Node{},
		directives: map[lineKey]*directive{},
		done:       map[token.Pos]bool{},
	}
	for _, f := range pass.Files {
		r.index(f)
	}
	return r
}

// index records the nodes findings anchor on and the directives of f.
func (r *reporter) index(f *ast.File) {
	if r.skipFile(f.Pos()) {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			r.nodes[n.Lparen] = n
		case *ast.CompositeLit:
			r.nodes[n.Lbrace] = n
		}
		return true
	})
	for _, group := range f.Comments {
		for _, c := range group.List {
			r.directive(c)
		}
	}
}

// directive records c if it is an ignore directive; one without a reason is
// reported and suppresses nothing.
func (r *reporter) directive(c *ast.Comment) {
	rest, ok := strings.CutPrefix(c.Text, ignoreDirective)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return
	}
	reason := strings.TrimSpace(rest)
	if reason == "" {
		r.pass.Reportf(c.Pos(), "%s needs a reason: %s <why this write needs no guard>", ignoreDirective, ignoreDirective)
		return
	}
	p := r.pass.Fset.Position(c.Pos())
	r.directives[lineKey{p.Filename, p.Line}] = &directive{reason: reason}
}

// skipFile reports whether findings at pos are out of scope.
func (r *reporter) skipFile(pos token.Pos) bool {
	return !r.tests && strings.HasSuffix(r.pass.Fset.File(pos).Name(), "_test.go")
}

// suppressed reports whether an unused directive on the line of pos, or the
// line above it, covers a finding there; it uses the directive up.
func (r *reporter) suppressed(pos token.Pos) bool {
	p := r.pass.Fset.Position(pos)
	for _, line := range []int{p.Line, p.Line - 1} {
		if d := r.directives[lineKey{p.Filename, line}]; d != nil && !d.used {
			d.used = true
			return true
		}
	}
	return false
}

// report emits one diagnostic at the node whose Lparen or Lbrace is at pos.
func (r *reporter) report(pos token.Pos, msg string, related ...analysis.RelatedInformation) {
	if !pos.IsValid() || r.done[pos] || r.skipFile(pos) {
		return
	}
	r.done[pos] = true
	start, end := r.anchor(pos), token.NoPos
	if n := r.nodes[pos]; n != nil {
		end = n.End()
	}
	if r.suppressed(start) {
		return
	}
	r.pass.Report(analysis.Diagnostic{Pos: start, End: end, Message: msg, Related: related})
}

// reportAt reports msg at the call or literal at pos.
func (r *reporter) reportAt(pos token.Pos, msg string) { r.report(pos, msg) }

// reportLiteral reports msg at the composite literal whose Lbrace is at pos;
// allocations of named variables (a copy of a literal) are not reported again.
func (r *reporter) reportLiteral(pos token.Pos, msg string) {
	if _, ok := r.nodes[pos].(*ast.CompositeLit); ok {
		r.report(pos, msg)
	}
}

// reportRace reports an unconditioned write whose execution a read decides:
// write is the SDK call itself, or a call to a helper that makes it (via).
func (r *reporter) reportRace(write ssa.CallInstruction, op string, read *readSite, via *writeSite) {
	what := "the " + read.op
	if read.via != "" {
		what += " (through " + read.via + ")"
	}
	this := "this unconditioned " + op
	if via != nil {
		this = fmt.Sprintf("this call to %s, which sends an unconditioned %s at %s,",
			calleeName(write.Common()), op, r.where(via.call.Common().Pos()))
	}
	msg := fmt.Sprintf("read-then-write race (time-of-check/time-of-use): %s at %s is compared to decide "+
		"whether %s runs, and the item can change in between; %s",
		what, r.where(read.call.Common().Pos()), this, raceAdvice)
	r.report(write.Common().Pos(), msg, analysis.RelatedInformation{
		Pos:     r.anchor(read.call.Common().Pos()),
		Message: "time of check: the " + read.op + " result compared later",
	})
}

// where formats pos as file.go:line.
func (r *reporter) where(pos token.Pos) string {
	p := r.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// anchor returns the start of the node whose Lparen or Lbrace is at pos.
func (r *reporter) anchor(pos token.Pos) token.Pos {
	if n := r.nodes[pos]; n != nil {
		return n.Pos()
	}
	return pos
}
