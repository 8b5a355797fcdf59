package ddbguard_test

// Concurrency proofs of the views on DynamoDB Local: an admin's write
// racing the owner's transfer or delete, and a tenant user racing another
// tenant's re-creation of the same key. Each round checks that the final
// state is explained by the writes that reported success.

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

const vrRounds = 25

func TestProof_adminWriteRacingOwnersTransfer_finalStateIsExplained(t *testing.T) {
	t.Parallel()
	e := tnNew(t, adSchema())
	admin := e.g.Admin(scReason)
	for r := range vrRounds {
		pk := fmt.Sprintf("race-%d", r)
		e.put(t, adDoc(pk))
		k := ddbguard.Key{PK: pk}
		var adminErr, transferErr error
		pfGo(2, func(i int) {
			if i == 0 {
				// The admin closes the item it read at version 1.
				adminErr = admin.Update("ops", k).Set("state", "closed").IfVersion(1).Run(itCtx(t))
				return
			}
			transferErr = e.g.Transfer("alice", k, "bob").Run(itCtx(t))
		})
		got := e.read(t, map[string]any{"pk": pk})
		// Alice owns the item until her transfer, which no admin write
		// changes: her transfer always lands.
		if transferErr != nil {
			t.Fatalf("round %d: transfer: %v", r, transferErr)
		}
		wantVersion := int64(2)
		switch {
		case adminErr == nil:
			wantVersion = 3
			if pfStr(got, "state") != "closed" {
				t.Fatalf("round %d: admin write reported but not stored: %s", r, itDump(got))
			}
		case errors.Is(adminErr, ddbguard.ErrConflict):
			if pfStr(got, "state") != "open" {
				t.Fatalf("round %d: refused admin write stored: %s", r, itDump(got))
			}
		default:
			t.Fatalf("round %d: admin: %v", r, adminErr)
		}
		if pfStr(got, "owner") != "bob" || got["editors"] != nil || pfNum(got, "version") != wantVersion {
			t.Fatalf("round %d: final state %s not explained by admin %v, transfer ok", r, itDump(got), adminErr)
		}
	}
}

func TestProof_adminWriteRacingOwnersDelete_neverResurrectsTheItem(t *testing.T) {
	t.Parallel()
	e := tnNew(t, adSchema())
	admin := e.g.Admin(scReason)
	outcomes := map[string]int{}
	for r := range vrRounds {
		pk := fmt.Sprintf("race-%d", r)
		e.put(t, adDoc(pk))
		k := ddbguard.Key{PK: pk}
		var adminErr, deleteErr error
		pfGo(2, func(i int) {
			if i == 0 {
				adminErr = admin.Update("ops", k).Set("state", "closed").Run(itCtx(t))
				return
			}
			deleteErr = e.g.Delete("alice", k).Run(itCtx(t))
		})
		if deleteErr != nil {
			t.Fatalf("round %d: the owner's delete: %v", r, deleteErr)
		}
		if adminErr != nil && !errors.Is(adminErr, ddbguard.ErrNotFound) {
			t.Fatalf("round %d: admin: %v", r, adminErr)
		}
		if got := e.read(t, map[string]any{"pk": pk}); got != nil {
			t.Fatalf("round %d: item after a successful delete: %s (admin %v)", r, itDump(got), adminErr)
		}
		outcomes[pfErrName(adminErr)]++
	}
	t.Logf("admin outcomes over %d rounds: %v", vrRounds, outcomes)
}

func TestProof_adminDeleteRacingOwnersTransfer_finalStateIsExplained(t *testing.T) {
	t.Parallel()
	e := tnNew(t, adSchema())
	admin := e.g.Admin(scReason)
	for r := range vrRounds {
		pk := fmt.Sprintf("race-%d", r)
		e.put(t, adDoc(pk))
		k := ddbguard.Key{PK: pk}
		var adminErr, transferErr error
		pfGo(2, func(i int) {
			if i == 0 {
				adminErr = admin.Delete("ops", k).Run(itCtx(t))
				return
			}
			transferErr = e.g.Transfer("alice", k, "bob").Run(itCtx(t))
		})
		got := e.read(t, map[string]any{"pk": pk})
		if adminErr != nil {
			t.Fatalf("round %d: admin delete: %v", r, adminErr)
		}
		if got != nil {
			t.Fatalf("round %d: item after the admin's delete: %s", r, itDump(got))
		}
		if transferErr != nil && !errors.Is(transferErr, ddbguard.ErrNotFound) {
			t.Fatalf("round %d: transfer: %v", r, transferErr)
		}
	}
}

func TestProof_tenantUserRacingAnotherTenantsRecreation_neverWritesIt(t *testing.T) {
	t.Parallel()
	e := tnNew(t, tnSchema())
	acme, globex := e.g.ForTenant("acme"), e.g.ForTenant("globex")
	k := ddbguard.Key{PK: "shared"}
	const loops = 40
	attacks := []func(i int) error{
		func(i int) error { return globex.Update("alice", k).Set("pwned", i).Run(itCtx(t)) },
		func(int) error { return globex.Transfer("alice", k, "mallory").Run(itCtx(t)) },
		func(int) error { return globex.Delete("alice", k).Run(itCtx(t)) },
		func(int) error { return globex.AddEditors("alice", k, "mallory").Run(itCtx(t)) },
		func(int) error {
			return globex.Replace("alice", map[string]any{"pk": "shared", "pwned": true}).IfVersion(1).Run(itCtx(t))
		},
		func(int) error {
			return globex.Admin(scReason).Update("ops", k).Set("pwned", true).Run(itCtx(t))
		},
		func(int) error {
			var out map[string]any
			err := globex.Get(itCtx(t), "alice", k, &out)
			if err == nil {
				return fmt.Errorf("globex read acme's item: %v", out)
			}
			return err
		},
	}
	var (
		mu         sync.Mutex
		violations []string
		deleted    int
	)
	violate := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		violations = append(violations, fmt.Sprintf(format, args...))
	}
	pfGo(2, func(i int) {
		for n := range loops {
			if i == 0 {
				// acme's alice deletes and re-creates the same key.
				err := acme.Create("alice", map[string]any{"pk": "shared", "n": n}).Run(itCtx(t))
				if err != nil && !errors.Is(err, ddbguard.ErrAlreadyExists) {
					violate("acme create: %v", err)
				}
				// The deleted item, as it was, shows any write that landed on it.
				var old map[string]any
				switch err := acme.Delete("alice", k).Value(itCtx(t), &old); {
				case err == nil:
					deleted++
					if old["tenant"] != "acme" || old["owner"] != "alice" || old["pwned"] != nil || old["editors"] != nil {
						violate("acme's item was written by another tenant: %v", old)
					}
				case !errors.Is(err, ddbguard.ErrNotFound):
					violate("acme delete: %v", err)
				}
				continue
			}
			err := attacks[n%len(attacks)](n)
			if !errors.Is(err, ddbguard.ErrNotFound) && !errors.Is(err, ddbguard.ErrNotOwner) {
				violate("globex attack %d: %v", n%len(attacks), err)
			}
			var ge *ddbguard.Error
			if errors.As(err, &ge) && ge.Item != nil {
				violate("globex attack %d saw an item", n%len(attacks))
			}
		}
	})
	for _, v := range violations {
		t.Error(v)
	}
	t.Logf("acme re-created and deleted the key %d times of %d", deleted, loops)
	// Whatever is stored is acme's, untouched by globex.
	if got := e.read(t, map[string]any{"pk": "shared"}); got != nil {
		vrAcmeOnly(t, got)
	}
}

func vrAcmeOnly(t *testing.T, item map[string]types.AttributeValue) {
	t.Helper()
	if pfStr(item, "tenant") != "acme" || pfStr(item, "owner") != "alice" || item["pwned"] != nil || item["editors"] != nil {
		t.Errorf("stored item not explained by acme's writes: %s", itDump(item))
	}
}
