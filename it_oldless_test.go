package ddbguard_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/ddbguard/ddbguard"
)

const itQuery = "Query"

// itSeedEdited stores alice's doc-1 at version 1 with carol as editor.
func itSeedEdited(t *testing.T) *itTable {
	t.Helper()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "doc-1", "owner": "alice", "editors": itSS("carol"), "title": "t", "version": 1, "wid": "earlier"})
	return tb
}

func TestIT_WithoutOldItem_eachVerdict_inTwoRequests(t *testing.T) {
	t.Parallel()
	tb := itSeedEdited(t)
	g, c := tb.guard(t, itWID, ddbguard.WithoutOldItem())
	cases := []struct {
		name string
		run  func() error
		want error
		op   string
	}{
		{"not found", func() error { return g.Update("alice", ddbguard.Key{PK: "nope"}).Set("a", 1).Run(itCtx(t)) }, ddbguard.ErrNotFound, itUpdateItem},
		{"not owner", func() error { return g.Update("mallory", itDoc).Set("a", 1).Run(itCtx(t)) }, ddbguard.ErrNotOwner, itUpdateItem},
		{"owner's conflict", func() error { return g.Update("alice", itDoc).Set("a", 1).IfVersion(7).Run(itCtx(t)) }, ddbguard.ErrConflict, itUpdateItem},
		{"editor's conflict", func() error {
			return g.Update("carol", itDoc).Set("a", 1).If(expression.Name("title").Equal(expression.Value("x"))).Run(itCtx(t))
		}, ddbguard.ErrConflict, itUpdateItem},
		{"editor may not transfer", func() error { return g.Transfer("carol", itDoc, "carol").Run(itCtx(t)) }, ddbguard.ErrNotOwner, itUpdateItem},
		{"delete by non-owner", func() error { return g.Delete("mallory", itDoc).Run(itCtx(t)) }, ddbguard.ErrNotOwner, itDeleteItem},
		{"create, already exists", func() error {
			return g.Create("mallory", map[string]any{"pk": "doc-1"}).Run(itCtx(t))
		}, ddbguard.ErrAlreadyExists, itPutItem},
		{"create, If failed", func() error {
			return g.Create("alice", map[string]any{"pk": "doc-new"}).If(expression.Name("pk").AttributeExists()).Run(itCtx(t))
		}, ddbguard.ErrConflict, itPutItem},
		{"replace, protected editors differ", func() error {
			return g.Replace("alice", map[string]any{"pk": "doc-1", "title": "r"}).IfVersion(1).Run(itCtx(t))
		}, ddbguard.ErrProtectedAttribute, itPutItem},
	}
	before := tb.item(t, itDoc)
	for _, x := range cases {
		e := itWantErr(t, x.run(), x.want)
		if e.Item != nil {
			t.Errorf("%s: Item set under WithoutOldItem", x.name)
		}
		if e.RequestID == "" {
			t.Errorf("%s: no RequestID", x.name)
		}
		if got := c.RequestsOf(itQuery); got != 1 {
			t.Errorf("%s: %d Query requests, want 1", x.name, got)
		}
		c.expect(t, "", 2)
	}
	if errors.Is(cases[7].run(), ddbguard.ErrAlreadyExists) {
		t.Error("a create whose If failed is not ErrAlreadyExists")
	}
	c.Reset()
	tb.unchanged(t, itDoc, before)

	// Success paths stay one request.
	if err := g.Update("carol", itDoc).Set("a", 1).IfVersion(1).Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	c.expect(t, itUpdateItem, 1)
}

func TestIT_WithoutOldItem_landedRetry_isSuccessInTwoRequests(t *testing.T) {
	t.Parallel()
	tb := itSeedEdited(t)
	rec, _ := tb.losingAPI(t, 1)
	c := itCount(rec)
	g := tb.guardOn(t, c, itWID, ddbguard.WithoutOldItem())
	u := g.Update("carol", itDoc).Add("n", 1)
	itWantSDKErr(t, u.Run(itCtx(t)))
	c.Reset()
	var out map[string]any
	if err := g.Update("carol", itDoc).Set("x", 1).Value(itCtx(t), &out); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	// The editor's own write landed, then another write of hers (a new id):
	// only IfVersion could keep this retry exact, and the Add applies again.
	if err := u.Run(itCtx(t)); err != nil {
		t.Fatal(err)
	}
	c.expect(t, itUpdateItem, 1)

	// A retry with nothing in between finds its own id: success.
	rec2, _ := tb.losingAPI(t, 1)
	c2 := itCount(rec2)
	g2 := tb.guardOn(t, c2, itWID, ddbguard.WithoutOldItem())
	v := g2.Update("carol", itDoc).Set("title", "mine").IfVersion(4)
	itWantSDKErr(t, v.Value(itCtx(t), &out))
	c2.Reset()
	if err := v.Value(itCtx(t), &out); err != nil {
		t.Fatalf("retry of a landed write: %v", err)
	}
	c2.expect(t, "", 2)
	itWantField(t, out, "title", "mine")
	itWantField(t, tb.decode(t, itDoc), "version", 5)
	itWantField(t, tb.decode(t, itDoc), "n", 2)
}

func TestIT_WithoutOldItem_get_isOneFilteredQuery(t *testing.T) {
	t.Parallel()
	tb := itSeedEdited(t)
	g, c := tb.guard(t, itWID, ddbguard.WithoutOldItem())
	var out map[string]any
	for _, who := range []string{"alice", "carol"} {
		out = nil
		if err := g.Get(itCtx(t), who, itDoc, &out); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		itWantField(t, out, "title", "t")
		c.expect(t, itQuery, 1)
	}
	out = nil
	if e := itWantErr(t, g.Get(itCtx(t), "mallory", itDoc, &out), ddbguard.ErrNotOwner); e.RequestID == "" {
		t.Error("no RequestID")
	}
	c.expect(t, itQuery, 1)
	if e := itWantErr(t, g.Get(itCtx(t), "alice", ddbguard.Key{PK: "nope"}, &out), ddbguard.ErrNotFound); e.RequestID == "" {
		t.Error("no RequestID")
	}
	c.expect(t, itQuery, 1)
	if out != nil {
		t.Errorf("a refused Get filled out: %v", out)
	}
}

func TestIT_WithoutOldItem_tx_readsTheFirstFailingWriteOnly(t *testing.T) {
	t.Parallel()
	tb := itSeedEdited(t)
	g, c := tb.guard(t, itWID, ddbguard.WithoutOldItem())
	err := ddbguard.NewTx(c).Update(g.Update("alice", ddbguard.Key{PK: "nope"}).Set("a", 1)).
		Update(g.Update("mallory", itDoc).Set("a", 1)).Run(itCtx(t))
	e := itWantErr(t, err, ddbguard.ErrNotFound)
	if e.Index != 0 || e.Item != nil {
		t.Errorf("Index %d, Item %v", e.Index, e.Item)
	}
	c.expect(t, "", 2)
	tb.seed(t, map[string]any{"pk": "policy", "owner": "org", "role": "reader"})
	err = ddbguard.NewTx(c).Check(g.Check(ddbguard.Key{PK: "policy"}, expression.Name("role").Equal(expression.Value("admin")))).
		Update(g.Update("alice", itDoc).Set("a", 1)).Run(itCtx(t))
	itWantErr(t, err, ddbguard.ErrForbidden)
	c.expect(t, itTransact, 1)
}

// TestIT_Refusal_causeCarriesNoAnswer compares a refusal on an absent key
// with one on someone else's large item: their Causes are the same value,
// with no HTTP response, while errors.As to the SDK's exception and to
// smithy.APIError still work and RequestID is kept.
func TestIT_Refusal_causeCarriesNoAnswer(t *testing.T) {
	t.Parallel()
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "big", "owner": "alice", "blob": strings.Repeat("s", 350*1024), "version": 1})
	for _, opts := range [][]ddbguard.Option{nil, {ddbguard.WithoutOldItem()}} {
		g, api := tb.guard(t, itWID, opts...)
		var causes []error
		for _, pk := range []string{"absent", "big"} {
			for name, err := range map[string]error{
				"update": g.Update("mallory", ddbguard.Key{PK: pk}).Set("a", 1).Run(itCtx(t)),
				"create": g.Create("mallory", map[string]any{"pk": pk}).If(expression.Name("x").AttributeExists()).Run(itCtx(t)),
			} {
				var e *ddbguard.Error
				var resp *awshttp.ResponseError
				var ccf *types.ConditionalCheckFailedException
				var apiErr smithy.APIError
				switch {
				case !errors.As(err, &e) || e.Err == nil || e.Item != nil:
					t.Fatalf("%s %s: %v is not a refusal", name, pk, err)
				case errors.As(err, &resp):
					t.Errorf("%s %s: the HTTP response is reachable", name, pk)
				case !errors.As(err, &ccf) || ccf.Item != nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ConditionalCheckFailedException":
					t.Errorf("%s %s: errors.As to the SDK's types fails", name, pk)
				case e.RequestID == "":
					t.Errorf("%s %s: no RequestID", name, pk)
				}
				causes = append(causes, e.Cause)
			}
		}
		for _, c := range causes[1:] {
			if !reflect.DeepEqual(c, causes[0]) {
				t.Errorf("Causes differ: %#v and %#v", causes[0], c)
			}
		}
		// A transaction's refusal: only the reasons' codes remain.
		var txCauses []error
		for _, pk := range []string{"absent", "big"} {
			err := ddbguard.NewTx(api).Update(g.Update("mallory", ddbguard.Key{PK: pk}).Set("a", 1)).Run(itCtx(t))
			var e *ddbguard.Error
			var resp *awshttp.ResponseError
			var tce *types.TransactionCanceledException
			switch {
			case !errors.As(err, &e) || e.Err == nil || e.Item != nil || e.RequestID == "":
				t.Fatalf("tx %s: %v is not a refusal with a RequestID", pk, err)
			case errors.As(err, &resp) || !errors.As(err, &tce):
				t.Errorf("tx %s: Cause %#v", pk, e.Cause)
			}
			txCauses = append(txCauses, e.Cause)
		}
		if !reflect.DeepEqual(txCauses[0], txCauses[1]) {
			t.Errorf("transaction Causes differ: %#v and %#v", txCauses[0], txCauses[1])
		}
	}
}

// TestIT_Measure_refusalTime logs the median time of a non-owner's refused
// update on an absent key and on someone else's ~350 KB item, with and
// without WithoutOldItem. It measures; it asserts nothing about time.
func TestIT_Measure_refusalTime(t *testing.T) {
	tb := itNewTable(t, false)
	tb.seed(t, map[string]any{"pk": "big", "owner": "alice", "blob": strings.Repeat("s", 350*1024), "version": 1})
	const runs = 15
	for _, mode := range []string{"ALL_OLD", "WithoutOldItem"} {
		var opts []ddbguard.Option
		if mode == "WithoutOldItem" {
			opts = append(opts, ddbguard.WithoutOldItem())
		}
		g, _ := tb.guard(t, itWID, opts...)
		for _, pk := range []string{"absent", "big"} {
			took := make([]time.Duration, 0, runs)
			for i := 0; i < runs; i++ {
				start := time.Now()
				err := g.Update("mallory", ddbguard.Key{PK: pk}).Set("a", 1).Run(itCtx(t))
				took = append(took, time.Since(start))
				if ddbguard.HTTPStatus(err) != 404 {
					t.Fatalf("%s %s: %v", mode, pk, err)
				}
			}
			slices.Sort(took)
			t.Logf("refusal, %s, %s key: median %v (min %v, max %v, %d runs)", mode, pk, took[runs/2], took[0], took[runs-1], runs)
		}
	}
}
