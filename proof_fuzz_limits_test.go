package ddbguard_test

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// pfNumberPattern is the decimal text DynamoDB takes for a number.
var pfNumberPattern = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// pfNumberOK reports, with math/big, whether DynamoDB stores n: decimal
// text, zero or a magnitude in [1E-130, 9.99…E+125], and at most 38
// significant digits. decided is false for exponents too long to check.
func pfNumberOK(n string) (ok, decided bool) {
	if !pfNumberPattern.MatchString(n) {
		return false, true
	}
	if i := strings.IndexAny(n, "eE"); i >= 0 && len(strings.TrimLeft(strings.TrimLeft(n[i+1:], "+-"), "0")) > 4 {
		return false, false
	}
	var x big.Rat
	if _, good := x.SetString(n); !good {
		return false, true
	}
	if x.Sign() == 0 {
		return true, true
	}
	x.Abs(&x)
	pow := func(e int) *big.Rat {
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(e, -e))), nil)
		if e < 0 {
			return new(big.Rat).SetFrac(big.NewInt(1), p)
		}
		return new(big.Rat).SetInt(p)
	}
	if x.Cmp(pow(-130)) < 0 || x.Cmp(pow(126)) >= 0 {
		return false, true
	}
	e := -130 // the exponent of x's first significant digit
	for x.Cmp(pow(e+1)) >= 0 {
		e++
	}
	scaled := new(big.Rat).Mul(&x, pow(37-e))
	return scaled.IsInt(), true
}

// FuzzNumberLimits builds requests holding an arbitrary number, in a value
// and in a key: DynamoDB's limits (38 significant digits, magnitude) are
// refused before any request exactly when math/big says so, and a
// transaction naming the key twice, written two ways, is refused.
func FuzzNumberLimits(f *testing.F) {
	for _, n := range []string{"1", "0", "-0", "0.0", "0e5", "1.50", "1e200", "-1e200", "1e-131", "1E-130",
		"9.9999999999999999999999999999999999999E+125", "1E+126", "99999999999999999999999999999999999999",
		"999999999999999999999999999999999999999", "12345678901234567890123456789012345678e88",
		"1000000000000000000000000000000000000000000", "0.00000000000000000000000000000000000000001",
		"0x1p-2", "1_0", " 1", "NaN", "Inf", ".5", "5.", "+1", "1e", "e5", "--1", "1e+00005", "1e999999999"} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n string) {
		g := pfFuzzGuard(t, types.ScalarAttributeTypeN)
		num := func(v string) *types.AttributeValueMemberN { return &types.AttributeValueMemberN{Value: v} }
		_, setErr := g.Update("alice", ddbguard.Key{PK: num("1")}).Set("a", num(n)).Input()
		_, keyErr := g.Delete("alice", ddbguard.Key{PK: num(n)}).Input()
		for _, err := range []error{setErr, keyErr} {
			if err != nil {
				pfRefusal(t, err)
			}
		}
		if (setErr == nil) != (keyErr == nil) {
			t.Fatalf("%q: as a value %v, as a key %v", n, setErr, keyErr)
		}
		if ok, decided := pfNumberOK(n); decided && ok != (setErr == nil) {
			t.Fatalf("%q: DynamoDB stores it %v, the guard accepted it %v (%v)", n, ok, setErr == nil, setErr)
		}
		if setErr != nil || strings.ContainsAny(n, "eE") {
			return
		}
		_, err := ddbguard.NewTx(pfNoAPI{}).Delete(g.Delete("alice", ddbguard.Key{PK: num(n)})).
			Delete(g.Delete("alice", ddbguard.Key{PK: num(n + "e0")})).Input()
		if !errors.Is(err, ddbguard.ErrInvalidInput) {
			t.Fatalf("a transaction naming %q and %q: %v, want ErrInvalidInput", n, n+"e0", err)
		}
	})
}
