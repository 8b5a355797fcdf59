package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddbguard/ddbguard"
	"github.com/ddbguard/ddbguard/examples/httpapi/api"
)

// raceRounds is how many times each race runs; each round starts its
// requests together, so different rounds see different interleavings.
const raceRounds = 8

// together runs the calls at the same moment and returns their replies in
// order.
func together(t *testing.T, calls ...func() (reply, error)) []reply {
	t.Helper()
	replies := make([]reply, len(calls))
	errs := make([]error, len(calls))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i], errs[i] = c()
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return replies
}

func TestRace_twoUsersCreateTheSameID_exactlyOneIsToldCreatedAndOwnsIt(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("both-%d", round)
		body := fmt.Sprintf(`{"id":%q,"name":"mine"}`, id)
		r := together(t,
			func() (reply, error) { return f.do("alice", "POST", "/items", body) },
			func() (reply, error) { return f.do("bob", "POST", "/items", body) })
		statuses := []int{r[0].status, r[1].status}
		require.ElementsMatch(t, []int{http.StatusCreated, http.StatusConflict}, statuses, "round %d", round)
		winner, loser := "alice", "bob"
		if r[1].status == http.StatusCreated {
			winner, loser = loser, winner
		}
		assert.Equal(t, winner, f.get(winner, id).item(t).Owner)
		assert.Equal(t, http.StatusNotFound, f.get(loser, id).status)
	}
}

func TestRace_transferWhileOldAndNewOwnerPatch_onlyTheOwnerAtWriteTimeSucceeds(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("moving-%d", round)
		f.create("alice", id)
		r := together(t,
			func() (reply, error) { return f.do("alice", "POST", "/items/"+id+"/transfer", `{"to":"bob"}`) },
			func() (reply, error) { return f.do("alice", "PATCH", "/items/"+id, `{"name":"by alice"}`) },
			func() (reply, error) { return f.do("bob", "PATCH", "/items/"+id, `{"name":"by bob"}`) })
		require.Equal(t, http.StatusNoContent, r[0].status, "round %d: the owner's transfer", round)
		aliceOK, bobOK := r[1].status == http.StatusOK, r[2].status == http.StatusOK
		require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, r[1].status, "round %d: alice", round)
		require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, r[2].status, "round %d: bob", round)

		it := f.get("bob", id).item(t)
		assert.Equal(t, "bob", it.Owner)
		wantName := "item " + id
		switch {
		case bobOK: // after the transfer, so after any write of alice's
			wantName = "by bob"
		case aliceOK: // before the transfer
			wantName = "by alice"
		}
		assert.Equal(t, wantName, it.Name, "round %d", round)
		assert.Equal(t, int64(2+btoi(aliceOK)+btoi(bobOK)), it.Version, "round %d: one version per success", round)
		assert.Equal(t, http.StatusNotFound, f.get("alice", id).status)
	}
}

func TestRace_deleteAndRecreateByAnotherUser_theOldOwnerNeverTouchesTheNewItem(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("reborn-%d", round)
		f.create("alice", id)
		r := together(t,
			func() (reply, error) { return f.do("alice", "DELETE", "/items/"+id, nil) },
			func() (reply, error) {
				return f.do("bob", "POST", "/items", fmt.Sprintf(`{"id":%q,"name":"bob's"}`, id))
			},
			func() (reply, error) { return f.do("alice", "PATCH", "/items/"+id, `{"notes":"alice was here"}`) })
		require.Equal(t, http.StatusNoContent, r[0].status, "round %d: the owner's delete", round)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, r[1].status, "round %d: bob", round)
		require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, r[2].status, "round %d: alice's patch", round)

		got := f.get("bob", id)
		if r[1].status != http.StatusCreated {
			assert.Equal(t, http.StatusNotFound, got.status, "round %d: nothing brought back", round)
			continue
		}
		it := got.item(t)
		assert.Equal(t, "bob", it.Owner)
		assert.Equal(t, int64(1), it.Version, "round %d: bob's item untouched", round)
		assert.Empty(t, it.Notes, "round %d: alice's patch never lands on bob's item", round)
	}
}

func TestRace_twoWritersWithTheSameIfMatch_exactlyOneWins(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("both-edit-%d", round)
		f.create("alice", id)
		method := http.MethodPut // both read version 1, then both write
		if round%2 == 1 {
			method = http.MethodPatch
		}
		write := func(name string) func() (reply, error) {
			return func() (reply, error) {
				return f.do("alice", method, "/items/"+id, fmt.Sprintf(`{"name":%q}`, name), "If-Match", `"1"`)
			}
		}
		r := together(t, write("phone"), write("laptop"))
		require.ElementsMatch(t, []int{http.StatusOK, http.StatusPreconditionFailed}, []int{r[0].status, r[1].status}, "round %d, %s", round, method)
		want := "phone"
		if r[1].status == http.StatusOK {
			want = "laptop"
		}
		it := f.get("alice", id).item(t)
		assert.Equal(t, want, it.Name)
		assert.Equal(t, int64(2), it.Version)
	}
}

// interleave runs once, after the server's first read of an item, a write
// by the item's owner from elsewhere (another device of alice's).
type interleave struct {
	ddbguard.API
	once  sync.Once
	write func(context.Context)
}

func (i *interleave) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := i.API.GetItem(ctx, in, opts...)
	if err == nil && len(out.Item) > 0 {
		i.once.Do(func() { i.write(ctx) })
	}
	return out, err
}

func TestPut_withoutIfMatch_changeBetweenItsReadAndWrite_answers409WithCurrentETag(t *testing.T) {
	var hook *interleave
	f := newFixture(t, func(db ddbguard.API) ddbguard.API {
		hook = &interleave{API: db}
		return hook
	})
	g, err := ddbguard.New(f.db, api.Schema(f.table))
	require.NoError(t, err)
	hook.write = func(ctx context.Context) {
		err := g.ForTenant(tenant).Update("alice", ddbguard.Key{PK: tenant, SK: "put-409"}).Set("notes", "from elsewhere").Run(ctx)
		assert.NoError(t, err)
	}
	f.create("alice", "put-409")

	r := f.call("alice", http.MethodPut, "/items/put-409", `{"name":"overwrite"}`)
	require.Equal(t, http.StatusConflict, r.status, "body: %s", r.body)
	r.problem(t)
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	it := f.get("alice", "put-409").item(t)
	assert.Equal(t, "from elsewhere", it.Notes, "the concurrent write is not overwritten")
	assert.Equal(t, int64(2), it.Version)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRace_adminCloseAgainstTheOwnersDelete_neverLeavesAGhostItem(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("close-del-%d", round)
		f.create("alice", id)
		r := together(t,
			func() (reply, error) { return f.doAs(root, "POST", closePath(id), `{"reason":"race"}`) },
			func() (reply, error) { return f.do("alice", "DELETE", "/items/"+id, nil) })
		require.Equal(t, http.StatusNoContent, r[1].status, "round %d: the owner's delete", round)
		// The close landed before the delete (200) or found nothing (404):
		// it never recreates the deleted item as a bare {status: closed}.
		assert.Contains(t, []int{http.StatusOK, http.StatusNotFound}, r[0].status, "round %d: %s", round, r[0].body)
		assert.Nil(t, f.raw(tenant, id), "round %d: the item stays deleted", round)
	}
}

func TestRace_adminCloseAgainstTheOwnersTransfer_bothLandAndNeitherIsLost(t *testing.T) {
	f := newFixture(t, nil)
	for round := range raceRounds {
		id := fmt.Sprintf("close-tr-%d", round)
		f.create("alice", id)
		r := together(t,
			func() (reply, error) { return f.doAs(root, "POST", closePath(id), `{"reason":"race"}`) },
			func() (reply, error) { return f.do("alice", "POST", "/items/"+id+"/transfer", `{"to":"bob"}`) })
		require.Equal(t, http.StatusOK, r[0].status, "round %d: %s", round, r[0].body)
		require.Equal(t, http.StatusNoContent, r[1].status, "round %d: %s", round, r[1].body)
		it := f.get("bob", id).item(t)
		assert.Equal(t, "bob", it.Owner, "round %d: the close did not undo the transfer", round)
		assert.Equal(t, "closed", it.Status, "round %d: the transfer did not undo the close", round)
		assert.Equal(t, int64(3), it.Version, "round %d: two writes, each counted", round)
	}
}
