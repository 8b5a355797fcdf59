package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard/ddbguardtest"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// root is an admin of the tests' tenant.
var root = api.Claims{User: "root", Tenant: tenant, Admin: true}

// closePath is the admin route for id.
func closePath(id string) string { return "/admin/items/" + id + "/close" }

// secretItem creates an item of alice's whose content the audit trail must
// never show, and returns its stored form.
func (f *fixture) secretItem(id string) {
	f.t.Helper()
	r := f.call("alice", http.MethodPost, "/items",
		map[string]any{"id": id, "name": "secret-name", "notes": "secret-notes", "tags": []string{"secret-tag"}})
	require.Equal(f.t, http.StatusCreated, r.status, "body: %s", r.body)
	f.audit.reset()
}

// assertNoItemData checks that the audit text holds none of the item's
// content, nor its owner.
func assertNoItemData(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{"secret", "alice", "version", "created_at"} {
		assert.NotContains(t, text, s)
	}
}

func TestAdminClose_adminClosesSomeoneElsesItem_answers200AndAuditsOneLine(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-1")
	r := f.callAs(root, http.MethodPost, closePath("adm-1"), map[string]any{"reason": "ticket 4711: reported as spam"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	it := r.item(t)
	assert.Equal(t, "closed", it.Status)
	assert.Equal(t, "alice", it.Owner, "closing does not change the owner")
	assert.Equal(t, int64(2), it.Version)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	assert.Equal(t, "secret-name", it.Name)
	assert.Equal(t, &types.AttributeValueMemberS{Value: "closed"}, f.raw(tenant, "adm-1")["status"])
	assert.Equal(t, "closed", f.get("alice", "adm-1").item(t).Status, "the owner sees it closed")

	lines, text := f.audit.lines(t)
	require.Len(t, lines, 1, "one line per admin operation: %s", text)
	assert.Equal(t, map[string]any{
		"level": "INFO", "msg": "admin operation", "time": lines[0]["time"],
		"op": "update", "table": f.table,
		"key":    map[string]any{"tenant": tenant, "id": "adm-1"},
		"caller": "root", "tenant": tenant, "admin": true,
		"why": "ticket 4711: reported as spam", "failed": false, "reason": nil,
	}, lines[0])
	assertNoItemData(t, text)
}

func TestAdminClose_failures_areAuditedWithFailedAndTheReason_withoutItemData(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-2")

	// A missing item: 404, audited as failed.
	r := f.callAs(root, http.MethodPost, closePath("no-such-item"), map[string]any{"reason": "cleanup"})
	require.Equal(t, http.StatusNotFound, r.status)
	lines, text := f.audit.lines(t)
	require.Len(t, lines, 1, text)
	assert.Equal(t, true, lines[0]["failed"])
	assert.Equal(t, "ddbguard: not found", lines[0]["reason"])
	assert.Equal(t, true, lines[0]["admin"])
	assert.Equal(t, "root", lines[0]["caller"])
	assert.Equal(t, "cleanup", lines[0]["why"])
	assert.Equal(t, map[string]any{"tenant": tenant, "id": "no-such-item"}, lines[0]["key"])

	// A stale If-Match: 412 with the current ETag, audited as failed.
	require.Equal(t, http.StatusOK, f.call("alice", http.MethodPatch, "/items/adm-2", `{"name":"secret-v2"}`).status)
	f.audit.reset()
	before := f.raw(tenant, "adm-2")
	r = f.callAs(root, http.MethodPost, closePath("adm-2"), map[string]any{"reason": "stale"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusPreconditionFailed, r.status, "body: %s", r.body)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	assert.Equal(t, before, f.raw(tenant, "adm-2"), "nothing written")
	lines, text = f.audit.lines(t)
	require.Len(t, lines, 1, text)
	assert.Equal(t, true, lines[0]["failed"])
	assert.Equal(t, "ddbguard: conflict", lines[0]["reason"])
	assertNoItemData(t, text)

	// The current If-Match closes it.
	r = f.callAs(root, http.MethodPost, closePath("adm-2"), map[string]any{"reason": "now"}, "If-Match", `"2"`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "closed", r.item(t).Status)
}

func TestAdminClose_authenticatedNonAdmin_answers403_writesNothing_andIsAudited(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-3")
	before := f.raw(tenant, "adm-3")
	// Not even the owner may use the admin route.
	for _, name := range []string{"alice", "bob"} {
		r := f.call(name, http.MethodPost, closePath("adm-3"), map[string]any{"reason": "mine"})
		require.Equal(t, http.StatusForbidden, r.status, name)
		assert.Equal(t, "this route needs an admin token", r.problem(t).Detail)
	}
	// The body is not looked at before the admin claim.
	assert.Equal(t, http.StatusForbidden, f.call("bob", http.MethodPost, closePath("adm-3"), `{}`).status)
	assert.Equal(t, before, f.raw(tenant, "adm-3"))

	lines, text := f.audit.lines(t)
	require.Len(t, lines, 3, text)
	assert.Equal(t, "admin route refused", lines[1]["msg"])
	assert.Equal(t, "bob", lines[1]["caller"])
	assert.Equal(t, tenant, lines[1]["tenant"])
	assert.Equal(t, true, lines[1]["failed"])
	assert.NotContains(t, text, "secret")
}

func TestAdminClose_anotherTenantsAdmin_answers404AndTheItemIsUnchanged(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-4")
	before := f.raw(tenant, "adm-4")
	other := api.Claims{User: "root", Tenant: "globex", Admin: true}
	r := f.callAs(other, http.MethodPost, closePath("adm-4"), map[string]any{"reason": "cross-tenant"})
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, before, f.raw(tenant, "adm-4"))
	assert.Nil(t, f.raw("globex", "adm-4"), "nothing created in the admin's tenant")
	lines, _ := f.audit.lines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "globex", lines[0]["tenant"], "the admin's own tenant, the only one it can reach")
	assert.Equal(t, "ddbguard: not found", lines[0]["reason"])
}

func TestAdminClose_missingTooLongOrControlReason_answers400AndWritesNothing(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-5")
	before := f.raw(tenant, "adm-5")
	for _, tt := range []struct{ body, detail string }{
		{`{}`, `"reason" is required`},
		{`{"reason":""}`, `"reason" is required`},
		{`{"reason":"  "}`, `"reason" is required`},
		{`{"reason":"` + strings.Repeat("x", 513) + `"}`, `"reason" must be at most 512 bytes`},
		{`{"reason":"` + strings.Repeat("é", 257) + `"}`, `"reason" must be at most 512 bytes`},
		{`{"reason":"line\nbreak"}`, `"reason" must not hold control characters`},
		{`{"reason":"nul\u0000"}`, `"reason" must not hold control characters`},
		{`{"reason":"del\u007f"}`, `"reason" must not hold control characters`},
		{`{"reason":"c1\u0085"}`, `"reason" must not hold control characters`},
		{`{"reason":7}`, `"reason" must be a string`},
		{`{"reason":"ok","status":"open"}`, `"status" is set by the server`},
		{`not json`, `not valid JSON`},
	} {
		r := f.callAs(root, http.MethodPost, closePath("adm-5"), tt.body)
		require.Equal(t, http.StatusBadRequest, r.status, tt.body)
		assert.Contains(t, r.problem(t).Detail, tt.detail, tt.body)
	}
	assert.Equal(t, before, f.raw(tenant, "adm-5"))
	lines, text := f.audit.lines(t)
	assert.Empty(t, lines, "no admin operation ran: %s", text)

	r := f.callAs(root, http.MethodPost, closePath("adm-5"), `{"reason":"`+strings.Repeat("x", 512)+`"}`)
	assert.Equal(t, http.StatusOK, r.status, "512 bytes is the bound")
}

func TestAdminClose_malformedIDOrIfMatch_answers400(t *testing.T) {
	f := newFixture(t, nil)
	assert.Equal(t, http.StatusBadRequest, f.callAs(root, http.MethodPost, closePath("UPPER"), `{"reason":"x"}`).status)
	r := f.callAs(root, http.MethodPost, closePath("adm-6"), `{"reason":"x"}`, "If-Match", "2")
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.problem(t).Detail, `If-Match: "2"`)
}

func TestClosedItem_statusIsTheServers_ownerCannotClearIt(t *testing.T) {
	f := newFixture(t, nil)
	f.create("alice", "adm-7")
	require.Equal(t, http.StatusOK, f.callAs(root, http.MethodPost, closePath("adm-7"), `{"reason":"x"}`).status)
	r := f.call("alice", http.MethodPatch, "/items/adm-7", `{"status":"open"}`)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.problem(t).Detail, `"status" is set by the server`)
	// A replace carries the status it read.
	r = f.call("alice", http.MethodPut, "/items/adm-7", `{"name":"renamed"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, "closed", r.item(t).Status)
	assert.Equal(t, "closed", f.get("alice", "adm-7").item(t).Status)
}

func TestAudit_aRefusedUsersWrite_isOneLineNamingTheCallerNotTheOwner(t *testing.T) {
	f := newFixture(t, nil)
	f.secretItem("adm-8")
	require.Equal(t, http.StatusNotFound, f.call("mallory", http.MethodPatch, "/items/adm-8", `{"name":"x"}`).status)
	lines, text := f.audit.lines(t)
	require.Len(t, lines, 1, text)
	assert.Equal(t, "guard refused", lines[0]["msg"])
	assert.Equal(t, "mallory", lines[0]["caller"])
	assert.Equal(t, false, lines[0]["admin"])
	assert.Equal(t, "ddbguard: not owner", lines[0]["reason"])
	assertNoItemData(t, text)
}

// On the mock: the close is one UpdateItem whose condition requires the
// item to exist and compares no owner, and that sets only the status and
// the timestamp (and the version ddbguard bumps).
func TestAdminClose_onTheMock_sendsOneUpdateWithoutOwnerComparison(t *testing.T) {
	db := new(ddbguardtest.API)
	db.On("UpdateItem", mock.Anything, mock.Anything).Return(&dynamodb.UpdateItemOutput{Attributes: ddbguardtest.Item(
		map[string]any{"tenant": tenant, "id": "m-1", "owner": "alice", "version": 2, "name": "n", "status": "closed"})}, nil)
	f := startServer(t, api.Config{DB: db, Table: "items"})
	r := f.callAs(root, http.MethodPost, closePath("m-1"), `{"reason":"x"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, 1, db.Requests())
	in := db.LastInput().(*dynamodb.UpdateItemInput)
	cond := aws.ToString(in.ConditionExpression)
	assert.Contains(t, cond, "attribute_exists")
	for _, v := range in.ExpressionAttributeValues {
		assert.NotEqual(t, &types.AttributeValueMemberS{Value: "root"}, v, "the admin is no owner the condition compares")
	}
	assert.Equal(t, ddbguardtest.Item(map[string]any{"tenant": tenant, "id": "m-1"}), in.Key)
}
