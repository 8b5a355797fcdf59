package ddblocal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// skipped holds the names of the tests that Client skipped for want of a
// DynamoDB (a test that asks twice counts once).
var skipped sync.Map

// Skipped returns how many tests of this test binary Client has skipped.
func Skipped() int {
	n := 0
	skipped.Range(func(any, any) bool { n++; return true })
	return n
}

// Main runs m's tests and returns their exit code, for TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(ddblocal.Main(m)) }
//
// When tests were skipped because EnvEndpoint is unset, it then prints one
// line saying how many and how to run them (nothing when EnvEndpoint is set), since `go test ./...` otherwise
// answers a plain "ok" for a package whose integration tests never ran.
func Main(m *testing.M) int {
	code := m.Run()
	// A test may unset the endpoint for itself (t.Setenv); only a run
	// without one is worth the notice.
	if n := Skipped(); n > 0 && strings.TrimSpace(os.Getenv(EnvEndpoint)) == "" {
		w, done := notice()
		ReportSkipped(w, filepath.Base(os.Args[0]), n)
		done()
	}
	return code
}

// ReportSkipped writes the line Main prints for n skipped tests of the test
// binary named binary (pkg.test).
func ReportSkipped(w io.Writer, binary string, n int) {
	pkg := strings.TrimSuffix(binary, ".test")
	tests := "tests"
	if n == 1 {
		tests = "test"
	}
	fmt.Fprintf(w, "%s: %d integration %s skipped (%s is not set): run `make test`, which starts DynamoDB Local\n",
		pkg, n, tests, EnvEndpoint)
}

// notice returns where Main's line goes. `go test ./...` discards the output
// of a package that passes (unless -v), so the line goes to the terminal when
// there is one, and to stdout otherwise (shown with -v, or in CI logs of a
// failing run).
func notice() (io.Writer, func()) {
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		return tty, func() { _ = tty.Close() }
	}
	return os.Stdout, func() {}
}
