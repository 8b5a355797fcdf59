package ddbguardvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
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
	highOnly   bool                   // -severity=high: drop low-severity findings
	nodes      map[token.Pos]ast.Node // call Lparen and literal Lbrace -> node
	directives map[lineKey]*directive
	done       map[token.Pos]bool
}

func newReporter(pass *analysis.Pass, tests, highOnly bool) *reporter {
	r := &reporter{
		pass:       pass,
		tests:      tests,
		highOnly:   highOnly,
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
		r.pass.Report(analysis.Diagnostic{Pos: c.Pos(), Category: severityHigh,
			Message: fmt.Sprintf("%s needs a reason: %s <why this write needs no guard>", ignoreDirective, ignoreDirective)})
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

// finding is one diagnostic before it is worded.
type finding struct {
	pos  token.Pos // Lparen of the call, or Lbrace of the literal
	what string    // the unconditioned write, or "" for a race alone
	// subject names the write a race decides when what is "": "this call
	// to X, which sends an unconditioned PutItem at store.go:40,".
	subject string
	race    *readSite
	use     string // the guarded replacement
	low     string // why it is low severity, or ""
	literal bool   // pos is a composite literal's Lbrace
}

// emit reports f unless it is a duplicate, in a test file (without -tests),
// suppressed, or low severity under -severity=high.
func (r *reporter) emit(f finding) {
	if f.literal {
		if _, ok := r.nodes[f.pos].(*ast.CompositeLit); !ok {
			return // a named copy of a literal: reported at the literal
		}
	}
	if f.low != "" && r.highOnly {
		return
	}
	var parts []string
	if f.what != "" {
		parts = append(parts, f.what)
	}
	var related []analysis.RelatedInformation
	if f.race != nil {
		subject := "it"
		if f.what == "" {
			subject = f.subject
		}
		parts = append(parts, fmt.Sprintf("read-then-write race (time-of-check/time-of-use): %s at %s is compared "+
			"to decide whether %s runs, and the item can change in between", r.readText(f.race),
			r.where(f.race.call.Common().Pos()), subject))
		related = append(related, analysis.RelatedInformation{
			Pos:     r.anchor(f.race.call.Common().Pos()),
			Message: "time of check: " + r.readText(f.race) + ", whose result decides the write",
		})
		if multiItem[f.race.op] && f.use != useList {
			f.use += useListRd
		}
		f.use += raceFix
	}
	parts = append(parts, f.use)
	msg, category := strings.Join(parts, "; "), severityHigh
	if f.low != "" {
		msg, category = "low severity ("+f.low+"): "+msg, severityLow
	}
	r.report(f.pos, msg, category, related...)
}

// readText names a read: "the GetItem (through store.GetDoc)".
func (r *reporter) readText(read *readSite) string {
	s := "the " + read.op
	if read.via != nil {
		s += " (through " + funcName(read.via, read.call.Parent()) + ")"
	}
	return s
}

// report emits one diagnostic at the node whose Lparen or Lbrace is at pos.
func (r *reporter) report(pos token.Pos, msg, category string, related ...analysis.RelatedInformation) {
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
	r.pass.Report(analysis.Diagnostic{Pos: start, End: end, Category: category, Message: msg, Related: related})
}

// where formats pos as file.go:line.
func (r *reporter) where(pos token.Pos) string { return where(r.pass.Fset, pos) }

// anchor returns the start of the node whose Lparen or Lbrace is at pos.
func (r *reporter) anchor(pos token.Pos) token.Pos {
	if n := r.nodes[pos]; n != nil {
		return n.Pos()
	}
	return pos
}
