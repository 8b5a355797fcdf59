package ddbguard

import (
	"errors"
	"strconv"
	"strings"
)

// DynamoDB's own input limits, checked before any request so that what it
// would refuse is refused as ErrInvalidInput and nothing is sent.
const (
	maxPartitionKey = 2048 // bytes of a partition key value
	maxSortKey      = 1024 // bytes of a sort key value
	maxDigits       = 38   // significant digits of a number
	// A number's magnitude lies in [1E-130, 9.99…E+125] (38 nines), or it
	// is zero: in d.ddd…E+n form, n between these.
	minExponent = -130
	maxExponent = 125
)

// decimal is a DynamoDB number in scientific form: value =
// sign 0.digits × 10^(exp+1), that is digits[0].digits[1:] × 10^exp, with
// no leading or trailing zeros in digits. Zero has no digits.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal parses the decimal text of a number as DynamoDB accepts it:
// an optional sign, digits with at most one point, an optional exponent.
func parseDecimal(n string) (decimal, bool) {
	var d decimal
	s := n
	if s != "" && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	mant, expText, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return d, false
	}
	exp := 0
	if hasExp {
		e, err := strconv.Atoi(expText)
		// Atoi takes a sign; the bound keeps the sums below from
		// overflowing (checkNumber refuses such a number anyway).
		if err != nil || e > 1<<20 || e < -(1<<20) {
			return d, false
		}
		exp = e
	}
	all := intPart + frac
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	all = all[lead:]
	all = strings.TrimRight(all, "0")
	if all == "" {
		return decimal{}, true // zero, whatever its sign or exponent
	}
	d.digits = all
	// The first significant digit sits at position lead of intPart+frac,
	// worth 10^(len(intPart)-1-lead).
	d.exp = exp + len(intPart) - 1 - lead
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkNumber refuses a number DynamoDB cannot store: not decimal text,
// more than 38 significant digits, or a magnitude out of its range.
func checkNumber(n string) error {
	d, ok := parseDecimal(n)
	switch {
	case !ok:
		return errors.New("a number is not decimal text DynamoDB can store")
	case len(d.digits) > maxDigits:
		return errors.New("a number has more than 38 significant digits")
	case d.digits != "" && (d.exp > maxExponent || d.exp < minExponent):
		return errors.New("a number is outside DynamoDB's range (1E-130 to 9.9999999999999999999999999999999999999E+125)")
	}
	return nil
}

// canonicalNumber returns a form of a DynamoDB number that equal numbers
// share: "1", "1.0" and "1e0" alike, and "0", "-0", "0.0" and "0e5".
func canonicalNumber(n string) string {
	d, ok := parseDecimal(n)
	if !ok {
		return n
	}
	if d.digits == "" {
		return "0"
	}
	sign := ""
	if d.neg {
		sign = "-"
	}
	return sign + d.digits + "e" + strconv.Itoa(d.exp)
}
