package ddbguardvet

import "testing"

func TestSkipPackage_libraryOnlyNotExamplesOrOthers(t *testing.T) {
	cases := map[string]bool{
		"github.com/ddbguard/ddbguard":                                          true,
		"github.com/ddbguard/ddbguard_test":                                     true,
		"github.com/ddbguard/ddbguard/ddbguardtest":                             true,
		"github.com/ddbguard/ddbguard/internal/ddblocal":                        true,
		"github.com/ddbguard/ddbguard/bench":                                    true,
		"github.com/ddbguard/ddbguard/examples/toctou":                          false,
		"github.com/ddbguard/ddbguard/examples/httpapi":                         false,
		"github.com/ddbguard/ddbguard/examples/toctou_test":                     false,
		"github.com/ddbguard/ddbguard/analyzer/ddbguardvet/testdata/src/writes": false,
		"github.com/ddbguard/ddbguardian":                                       false,
		"example.org/service/store":                                             false,
		"store":                                                                 false,
	}
	for path, want := range cases {
		if got := skipPackage(path); got != want {
			t.Errorf("skipPackage(%q) = %v, want %v", path, got, want)
		}
	}
}
