package ddbguard

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestTextChecks_agreeWithTheStandardLibrary: the word-at-a-time checks of
// names, ids and admin reasons give utf8.ValidString's answer (and, for a
// reason, no control character), for every byte at every position of a
// string longer than a word, and for multi-byte runes.
func TestTextChecks_agreeWithTheStandardLibrary(t *testing.T) {
	check := func(s string) {
		t.Helper()
		wantReason := utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
		if got := validReason(s); got != wantReason {
			t.Fatalf("validReason(%q) = %v, want %v", s, got, wantReason)
		}
		if got := validUTF8(s); got != utf8.ValidString(s) {
			t.Fatalf("validUTF8(%q) = %v", s, got)
		}
	}
	for c := range 256 {
		for pos := range 19 {
			b := []byte(strings.Repeat("a", 19))
			b[pos] = byte(c)
			check(string(b))
			check(string(b[:pos+1]))
		}
	}
	for _, s := range []string{" ", "\t x", "\u00a0", "x", "ab"} {
		if blank(s) != (strings.TrimSpace(s) == "") {
			t.Errorf("blank(%q) = %v", s, blank(s))
		}
	}
	for _, s := range []string{"", "ticket 4711: résumé", "\u0085 next line", "abcdefgh\u200b", "abcdefg\xc3", "\x7f", "~~~~~~~~~"} {
		check(s)
	}
}
