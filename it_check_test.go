package ddbguard_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// The policy: only an admin of org#1 may publish, and only their own doc.
// The membership is read by DynamoDB inside the transaction, never by the
// application before it.

// itCheckFixture adds to the Tx fixture (alice admin and bob viewer of
// org#1) a draft doc for each of alice, bob and dave, who is no member.
func itCheckFixture(t *testing.T) *itTxFixture {
	t.Helper()
	f := itNewTxFixture(t)
	for _, who := range []string{"alice", "bob", "dave"} {
		f.docs.seed(t, map[string]any{"pk": "doc-" + who, "owner": who, "status": "draft"})
	}
	return f
}

// itPublish is the admin-only action: the caller's membership must say
// admin when the caller's doc is published.
func itPublish(f *itTxFixture, caller string) *ddbguard.Tx {
	return ddbguard.NewTx(f.c).
		Check(f.og.Check(itOrgKey("member#"+caller), itIsRole("admin"))).
		Update(f.dg.Update(caller, itDocKey("doc-"+caller)).Set("status", "published"))
}

func TestIT_Check_adminMember_mayRunAdminOnlyUpdate(t *testing.T) {
	t.Parallel()
	f := itCheckFixture(t)

	if err := itPublish(f, "alice").Run(itCtx(t)); err != nil {
		t.Fatalf("alice (admin) publishes: %v", err)
	}
	f.c.expect(t, itTransact, 1)
	itWantField(t, f.docs.decode(t, itDocKey("doc-alice")), "status", "published")
}

func TestIT_Check_nonMemberOrViewer_isForbidden(t *testing.T) {
	t.Parallel()
	f := itCheckFixture(t)

	for _, who := range []string{"dave", "bob"} {
		before := f.docs.item(t, itDocKey("doc-"+who))
		err := itPublish(f, who).Run(itCtx(t))
		e := itWantErr(t, err, ddbguard.ErrForbidden)
		f.c.expect(t, itTransact, 1)
		if e.Index != 0 || e.Item != nil {
			t.Errorf("%s: Index %d, Item %v; want the check's index 0 and no item", who, e.Index, e.Item)
		}
		if got := ddbguard.HTTPStatus(err); got != http.StatusNotFound {
			t.Errorf("%s: HTTPStatus = %d, want 404", who, got)
		}
		f.docs.unchanged(t, itDocKey("doc-"+who), before)
	}
}

// The application reads the membership itself (say, to render a button),
// and the membership is revoked before the write: the check inside the
// transaction sees the revocation.
func TestIT_Check_membershipRevokedAfterAppRead_isForbidden(t *testing.T) {
	t.Parallel()
	f := itCheckFixture(t)
	for _, revoke := range []struct {
		name string
		do   func(t *testing.T)
	}{
		{"downgraded to viewer", func(t *testing.T) {
			_, err := f.orgs.raw.UpdateItem(itCtx(t), &dynamodb.UpdateItemInput{
				TableName:                 aws.String(f.orgs.name),
				Key:                       map[string]types.AttributeValue{"pk": itAV(t, "org#1"), "sk": itAV(t, "member#alice")},
				UpdateExpression:          aws.String("SET #r = :r"),
				ExpressionAttributeNames:  map[string]string{"#r": "role"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":r": itAV(t, "viewer")},
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"membership deleted", func(t *testing.T) { itDeleteRaw(t, f.orgs, itOrgKey("member#alice")) }},
	} {
		f.orgs.seed(t, map[string]any{"pk": "org#1", "sk": "member#alice", "role": "admin"})
		if m := f.orgs.decode(t, itOrgKey("member#alice")); m["role"] != "admin" {
			t.Fatalf("the app's own read: %v, want admin", m)
		}
		tx := itPublish(f, "alice") // decided while alice was an admin
		revoke.do(t)
		before := f.docs.item(t, itDocKey("doc-alice"))

		e := itWantErr(t, tx.Run(itCtx(t)), ddbguard.ErrForbidden)
		f.c.expect(t, itTransact, 1)
		if e.Index != 0 {
			t.Errorf("%s: Error.Index = %d, want 0", revoke.name, e.Index)
		}
		f.docs.unchanged(t, itDocKey("doc-alice"), before)
	}
}

// itDeleteRaw deletes the item at k behind the guard's back.
func itDeleteRaw(t *testing.T, tb *itTable, k ddbguard.Key) {
	t.Helper()
	key := map[string]types.AttributeValue{tb.pk: itAV(t, k.PK)}
	if tb.sk != "" {
		key[tb.sk] = itAV(t, k.SK)
	}
	if _, err := tb.raw.DeleteItem(itCtx(t), &dynamodb.DeleteItemInput{TableName: aws.String(tb.name), Key: key}); err != nil {
		t.Fatal(err)
	}
}
