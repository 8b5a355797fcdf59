package main

import (
	"strings"
	"testing"
)

const markdown = "intro\n\n```text\nif item.owner != caller { 403 }\n```\n\n" +
	"<!-- snippet: func(err error) -->\n```go\nif errors.Is(err, ddbguard.ErrNotOwner) {\n}\n```\n\n" +
	"```go\nfunc rename(g *ddbguard.Guard) {}\n```\n\n" +
	"```go\npackage x_test\n```\n"

func TestExtract_takesOnlyGoBlocks_withTheirLinesAndSignatures(t *testing.T) {
	got, err := extract("README.md", markdown)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d snippets, want 3 (the text block is not Go): %+v", len(got), got)
	}
	if got[0].line != 9 || got[0].signature != "func(err error)" {
		t.Errorf("first snippet: line %d, signature %q; want 9 and func(err error)", got[0].line, got[0].signature)
	}
	if got[1].signature != "" {
		t.Errorf("a signature applies only to the block right after it: %q", got[1].signature)
	}
}

func TestSource_wrapsStatementsInTheDeclaredFunction_andImportsWhatIsNamed(t *testing.T) {
	snippets, _ := extract("README.md", markdown)
	stmt := source(snippets[0], "s01")
	for _, want := range []string{
		"package s01\n", `"errors"`, `"github.com/ddbguard/ddbguard"`,
		"func _(err error) {\n//line README.md:9\nif errors.Is",
	} {
		if !strings.Contains(stmt, want) {
			t.Errorf("statements: %q missing from\n%s", want, stmt)
		}
	}
	decl := source(snippets[1], "s02")
	if strings.Contains(decl, "func _") || !strings.Contains(decl, "//line README.md:14\nfunc rename") {
		t.Errorf("declarations are not wrapped:\n%s", decl)
	}
	if file := source(snippets[2], "s03"); !strings.HasPrefix(file, "//line README.md:18\npackage x_test") {
		t.Errorf("a whole file is taken as it is:\n%s", file)
	}
}

func TestExtract_unclosedBlock_isAnError(t *testing.T) {
	if _, err := extract("README.md", "```go\nx := 1\n"); err == nil {
		t.Error("want an error for an unclosed block")
	}
}
