package ddbguard_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/ddbguardtest"
)

func TestFailClosed_keyValidatorsError_isWrapped(t *testing.T) {
	errBadID := errors.New("id must look like doc-N")
	valid := ddbguard.WithKeyValidator(func(ddbguard.Key) error { return errBadID })
	for _, op := range uKeyOps() {
		g, api := uNew(t, uFullSchema(), nil, valid)
		err := op.run(g, api, uCaller, uKey)
		uIsOnly(t, err, ddbguard.ErrInvalidInput)
		assert.ErrorIs(t, err, errBadID, op.name)
		assert.Equal(t, 0, api.Requests(), op.name)
	}
	g, _ := uNew(t, uFullSchema(), nil, valid)
	assert.ErrorIs(t, g.Create(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx), errBadID)
	assert.ErrorIs(t, ddbguard.NewTx(new(ddbguardtest.API)).Check(g.Check(uKey, expression.Name("a").AttributeExists())).Run(uCtx), errBadID)
}

func TestIfVersion_outsideZeroToMaxInt64_isInvalidInputWithoutRequest(t *testing.T) {
	g, api := uNew(t, uFullSchema(), nil)
	for _, n := range []int64{-1, math.MinInt64, math.MaxInt64} {
		uIsOnly(t, g.Update(uCaller, uKey).Set("a", 1).IfVersion(n).Run(uCtx), ddbguard.ErrInvalidInput)
		uIsOnly(t, g.Delete(uCaller, uKey).IfVersion(n).Run(uCtx), ddbguard.ErrInvalidInput)
		uIsOnly(t, g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(n).Run(uCtx), ddbguard.ErrInvalidInput)
	}
	assert.Equal(t, 0, api.Requests())
	in, err := g.Replace(uCaller, map[string]any{"pk": "doc-1", "sk": "rev-1"}).IfVersion(math.MaxInt64 - 1).Input()
	require.NoError(t, err)
	assert.Equal(t, "9223372036854775807", in.Item["version"].(*types.AttributeValueMemberN).Value)
}

func TestOwnerIndex_callerOrNewOwnerOverIndexKeyLimit_isInvalidInputWithoutRequest(t *testing.T) {
	s := uFullSchema()
	s.OwnerIndex = "by_owner"
	g, api := uNew(t, s, nil)
	long := strings.Repeat("c", 2049)
	uIsOnly(t, g.Update(long, uKey).Set("a", 1).Run(uCtx), ddbguard.ErrInvalidInput)
	uIsOnly(t, g.Create(long, map[string]any{"pk": "doc-1", "sk": "rev-1"}).Run(uCtx), ddbguard.ErrInvalidInput)
	uIsOnly(t, g.Transfer(uCaller, uKey, long).Run(uCtx), ddbguard.ErrInvalidInput)
	assert.Equal(t, 0, api.Requests())
	// Without an owner index the owner is an ordinary attribute.
	plain, _ := uNew(t, uFullSchema(), nil)
	assert.NoError(t, plain.Transfer(uCaller, uKey, long).Run(uCtx))
}
