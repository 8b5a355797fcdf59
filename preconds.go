package ddbguard

import (
	"math"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// preconds are the If and IfVersion preconditions of a builder, ANDed
// with its guard.
type preconds struct {
	conds      []expression.ConditionBuilder
	version    int64
	hasVersion bool
}

// ifVersion records IfVersion(n), refusing it on a table without versions.
func (p *preconds) ifVersion(o *op, n int64) {
	switch {
	case o.g.s.Version == "":
		o.fail(ErrInvalidInput, "IfVersion needs Schema.Version")
	case n < 0 || n == math.MaxInt64:
		// n+1 must be a version too: MaxInt64 would store a negative one.
		o.fail(ErrInvalidInput, "IfVersion needs 0 <= n < MaxInt64")
	}
	o.changed()
	p.version, p.hasVersion = n, true
}

// expected returns the version IfVersion asked for, or nil.
func (p *preconds) expected() *int64 {
	if !p.hasVersion {
		return nil
	}
	return &p.version
}

// putVersion adds the expected version to a request's values.
func (p *preconds) putVersion(values map[string]types.AttributeValue, gv *guardValues) {
	if p.hasVersion {
		gv.version.Value = strconv.FormatInt(p.version, 10)
		values[vVersion] = &gv.version
	}
}
