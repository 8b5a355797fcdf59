package ddbguard_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// TestRace_transferDuringOwnerUpdates_noUpdateLandsAfterTheTransfer races
// alice's updates against her transfer of the item to bob: every update
// reported successful is counted in the item, and none landed after the
// transfer (its version is below the transfer's), so bob's item never
// carries a write by its former owner.
func TestRace_transferDuringOwnerUpdates_noUpdateLandsAfterTheTransfer(t *testing.T) {
	env := pfNewEnv(t, "race_transfer_update")
	g := env.guard(nil)
	var tally pfTally
	pfGo(16, func(i int) {
		pk := fmt.Sprintf("k%d", i)
		env.seed(pfOwned(pk, "alice", "a"))
		var mu sync.Mutex
		var aliceVers []int64
		var transferVer int64
		bobOK := 0
		enough, aliceDone := make(chan struct{}), make(chan struct{})
		var once sync.Once
		go func() {
			defer close(aliceDone)
			pfGo(3, func(int) {
				for n := 0; n < 500; n++ {
					var row pfRow
					err := g.Update("alice", pfKey(pk)).Set("last_writer", "alice").Add("cnt_alice", 1).Value(env.ctx, &row)
					tally.note("alice update", err)
					switch {
					case err == nil:
						mu.Lock()
						aliceVers = append(aliceVers, row.Ver)
						if len(aliceVers) == 3 {
							once.Do(func() { close(enough) })
						}
						mu.Unlock()
					case errors.Is(err, ddbguard.ErrNotOwner) && pfErrItem(err) == nil:
						return
					default:
						tally.violate("%s: alice update: %v", pk, err)
						return
					}
				}
				tally.violate("%s: alice never saw the transfer", pk)
			})
		}()
		select {
		case <-enough:
		case <-aliceDone:
		}
		var row pfRow
		err := g.Transfer("alice", pfKey(pk), "bob").Set("last_writer", "alice").Value(env.ctx, &row)
		tally.note("alice transfer", err)
		if err != nil {
			tally.violate("%s: transfer: %v", pk, err)
		}
		transferVer = row.Ver
		for n := 0; n < 5; n++ {
			err := g.Update("bob", pfKey(pk)).Set("last_writer", "bob").Add("cnt_bob", 1).Run(env.ctx)
			tally.note("bob update", err)
			if err == nil {
				bobOK++
			}
		}
		<-aliceDone

		item := env.read(pk)
		for _, v := range aliceVers {
			if v >= transferVer {
				tally.violate("%s: alice's update at version %d landed after the transfer at %d", pk, v, transferVer)
			}
		}
		want := int64(1 + len(aliceVers) + 1 + bobOK)
		if pfStr(item, pfOwner) != "bob" || pfNum(item, "cnt_alice") != int64(len(aliceVers)) ||
			pfNum(item, "cnt_bob") != int64(bobOK) || pfNum(item, pfVer) != want || pfStr(item, "last_writer") != "bob" {
			tally.violate("%s: final %s; want owner bob, cnt_alice %d, cnt_bob %d, ver %d, last_writer bob", pk, pfShow(item), len(aliceVers), bobOK, want)
		}
		var out pfRow
		if err := g.Get(env.ctx, "alice", pfKey(pk), &out); !errors.Is(err, ddbguard.ErrNotOwner) {
			tally.violate("%s: alice's Get after the transfer: %v", pk, err)
		}
	})
	tally.report(t, "transfer racing the old owner's updates")
}

// TestRace_transferRacingOwnersReplaceAndDelete_exactlyOneOutcome starts,
// at once, alice's transfer to bob, her delete and a loop of her versioned
// replaces: exactly one of the transfer and the delete succeeds, and when
// the transfer wins the item is bob's at the transfer's version, so no
// replace by alice (which would stamp her as owner) landed after it.
func TestRace_transferRacingOwnersReplaceAndDelete_exactlyOneOutcome(t *testing.T) {
	env := pfNewEnv(t, "race_transfer_delete")
	g := env.guard(nil)
	var tally pfTally
	wins := map[string]int{}
	var winsMu sync.Mutex
	pfGo(48, func(i int) {
		pk := fmt.Sprintf("k%d", i)
		env.seed(pfOwned(pk, "alice", "a"))
		var transferErr, deleteErr error
		var transferred, deleted pfRow
		pfGo(3, func(j int) {
			switch j {
			case 0:
				transferErr = g.Transfer("alice", pfKey(pk), "bob").Value(env.ctx, &transferred)
				tally.note("transfer", transferErr)
			case 1:
				deleteErr = g.Delete("alice", pfKey(pk)).Value(env.ctx, &deleted)
				tally.note("delete", deleteErr)
			case 2:
				for n := 0; n < 50; n++ {
					var cur pfRow
					if err := g.Get(env.ctx, "alice", pfKey(pk), &cur); err != nil {
						return
					}
					item := pfOwned(pk, "alice", "a")
					item["val"] = pfS(fmt.Sprint("r", n))
					delete(item, pfOwner)
					err := g.Replace("alice", item).IfVersion(cur.Ver).Run(env.ctx)
					tally.note("replace", err)
					if errors.Is(err, ddbguard.ErrNotOwner) || errors.Is(err, ddbguard.ErrNotFound) {
						return
					}
					if err != nil && !errors.Is(err, ddbguard.ErrConflict) {
						tally.violate("%s: replace: %v", pk, err)
					}
				}
			}
		})
		item := env.read(pk)
		switch {
		case transferErr == nil && errors.Is(deleteErr, ddbguard.ErrNotOwner):
			if pfStr(item, pfOwner) != "bob" || pfNum(item, pfVer) != transferred.Ver {
				tally.violate("%s: transfer won at version %d but the item is %s", pk, transferred.Ver, pfShow(item))
			}
		case deleteErr == nil && errors.Is(transferErr, ddbguard.ErrNotFound):
			if item != nil || deleted.Owner != "alice" {
				tally.violate("%s: delete won (old owner %q) but the item is %s", pk, deleted.Owner, pfShow(item))
			}
		default:
			tally.violate("%s: transfer %v, delete %v: want exactly one to win", pk, transferErr, deleteErr)
		}
		winsMu.Lock()
		wins[fmt.Sprintf("transfer %s / delete %s", pfErrName(transferErr), pfErrName(deleteErr))]++
		winsMu.Unlock()
	})
	t.Logf("outcomes per key: %v", wins)
	tally.report(t, "transfer racing the old owner's replace and delete")
}

// TestRace_deleteAndRecreateByAnotherUser_staleWritesNeverReachTheNewItem
// has alice delete her item and bob create one under the same key while
// alice's stale handlers keep updating and deleting it: bob's item never
// carries alice's counter nor is deleted by her, and every update of hers
// reported successful is in the item she deleted.
func TestRace_deleteAndRecreateByAnotherUser_staleWritesNeverReachTheNewItem(t *testing.T) {
	env := pfNewEnv(t, "race_recreate")
	g := env.guard(nil)
	var tally pfTally
	pfGo(16, func(i int) {
		pk := fmt.Sprintf("k%d", i)
		env.seed(pfOwned(pk, "alice", "alice"))
		var mu sync.Mutex
		var aliceOK int64
		var old []pfRow // what alice's successful deletes removed
		enough := make(chan struct{})
		var once sync.Once
		stale := func(kind string, write func() error, onOK func()) {
			for n := 0; n < 1000; n++ {
				err := write()
				tally.note(kind, err)
				switch {
				case err == nil:
					onOK()
				case errors.Is(err, ddbguard.ErrNotOwner):
					return // bob's item is there: the stale handler is done
				case !errors.Is(err, ddbguard.ErrNotFound):
					tally.violate("%s: %s: %v", pk, kind, err)
					return
				}
			}
			tally.violate("%s: %s never met bob's item", pk, kind)
		}
		pfGo(4, func(j int) {
			var row pfRow
			switch j {
			case 0, 1:
				stale("alice stale update", func() error {
					return g.Update("alice", pfKey(pk)).Set("last_writer", "alice").Add("cnt_alice", 1).Value(env.ctx, &row)
				}, func() {
					mu.Lock()
					defer mu.Unlock()
					if aliceOK++; aliceOK == 2 {
						once.Do(func() { close(enough) })
					}
					if row.Owner != "alice" || row.Gen != "alice" {
						tally.violate("%s: alice's update landed on %+v", pk, row)
					}
				})
			case 2:
				<-enough
				stale("alice stale delete", func() error { return g.Delete("alice", pfKey(pk)).Value(env.ctx, &row) }, func() {
					mu.Lock()
					defer mu.Unlock()
					old = append(old, row)
				})
			case 3:
				<-enough
				for n := 0; n < 1000; n++ {
					item := pfOwned(pk, "bob", "bob")
					item["last_writer"] = pfS("bob")
					err := g.Create("bob", item).Run(env.ctx)
					tally.note("bob create", err)
					if err == nil {
						return
					}
					if !errors.Is(err, ddbguard.ErrAlreadyExists) || pfErrItem(err) != nil {
						tally.violate("%s: bob's create: %v", pk, err)
					}
				}
				tally.violate("%s: bob's create never succeeded", pk)
			}
		})
		item := env.read(pk)
		if pfStr(item, pfOwner) != "bob" || pfStr(item, "gen") != "bob" || item["cnt_alice"] != nil || pfStr(item, "last_writer") != "bob" {
			tally.violate("%s: bob's item is %s", pk, pfShow(item))
		}
		if len(old) != 1 || old[0].Owner != "alice" || old[0].Gen != "alice" || old[0].CntAlice != aliceOK {
			tally.violate("%s: alice's deletes removed %+v; want one item of hers with cnt_alice %d", pk, old, aliceOK)
		}
	})
	tally.report(t, "delete and re-create by another user racing stale updates and deletes")
}

// TestRace_sameVersionWriters_exactlyOneWinsTheOthersConflict has the
// owner and two editors write the same version of an item at once, with
// each guarded operation and with a transaction over two items.
func TestRace_sameVersionWriters_exactlyOneWinsTheOthersConflict(t *testing.T) {
	env := pfNewEnv(t, "race_same_version")
	g := env.guard(nil)
	callers := []string{"alice", "alice", "bob", "bob", "carol", "carol"}
	id := func(r, i int) string { return fmt.Sprintf("r%d-w%d", r, i) }
	shared := func(pk string) func(int) string {
		item := pfOwned(pk, "alice", "a")
		item[pfEditors] = pfSS("bob", "carol")
		env.seed(item)
		return func(int) string { return pk }
	}
	fresh := func(prefix string) func(int) string {
		return func(r int) string {
			pk := fmt.Sprintf("%s-%d", prefix, r)
			env.seed(pfOwned(pk, "alice", "a"))
			return pk
		}
	}
	ver := func(pk string) int64 { return pfNum(env.read(pk), pfVer) }
	wrote := func(pk string, r, i int) bool { return pfStr(env.read(pk), "last_writer") == id(r, i) }
	var va, vb int64 // versions of the transaction's items at the start of a round
	pfRunContests(t, 20, []pfContest{
		{"update by owner and editors", 6, shared("u"), func(pk string, r, i int) error {
			return g.Update(callers[i], pfKey(pk)).Set("last_writer", id(r, i)).IfVersion(int64(r + 1)).Run(env.ctx)
		}, []string{"ErrConflict"}, func(pk string, r, i int) bool { return wrote(pk, r, i) && ver(pk) == int64(r+2) }},
		{"replace", 4, shared("p"), func(pk string, r, i int) error {
			item := pfOwned(pk, "alice", "a")
			item[pfEditors], item["last_writer"] = pfSS("bob", "carol"), pfS(id(r, i))
			return g.Replace("alice", item).IfVersion(int64(r + 1)).Run(env.ctx)
		}, []string{"ErrConflict"}, func(pk string, r, i int) bool { return wrote(pk, r, i) && ver(pk) == int64(r+2) }},
		{"delete", 4, fresh("d"), func(pk string, r, i int) error {
			return g.Delete("alice", pfKey(pk)).IfVersion(1).Run(env.ctx)
		}, []string{"ErrNotFound"}, func(pk string, r, i int) bool { return env.read(pk) == nil }},
		{"transfer", 4, fresh("t"), func(pk string, r, i int) error {
			return g.Transfer("alice", pfKey(pk), id(r, i)).IfVersion(1).Run(env.ctx)
		}, []string{"ErrNotOwner"}, func(pk string, r, i int) bool { return pfStr(env.read(pk), pfOwner) == id(r, i) }},
		{"transaction over two items", 4, func(r int) string {
			if r == 0 {
				env.seed(pfOwned("tx-a", "alice", "a"))
				env.seed(pfOwned("tx-b", "alice", "a"))
			}
			va, vb = ver("tx-a"), ver("tx-b")
			return "tx-a"
		}, func(_ string, r, i int) error {
			return ddbguard.NewTx(env.client).
				Update(g.Update("alice", pfKey("tx-a")).Set("last_writer", id(r, i)).IfVersion(va)).
				Update(g.Update("alice", pfKey("tx-b")).Set("last_writer", id(r, i)).IfVersion(vb)).Run(env.ctx)
		}, []string{"ErrConflict"}, func(_ string, r, i int) bool {
			return wrote("tx-a", r, i) && wrote("tx-b", r, i) && ver("tx-a") == va+1 && ver("tx-b") == vb+1
		}},
	})
}

// TestRace_simultaneousCreates_exactlyOneWins has several users create
// the same key at once, alone and in a transaction: one owns the item, the
// others are told it exists and see none of it.
func TestRace_simultaneousCreates_exactlyOneWins(t *testing.T) {
	env := pfNewEnv(t, "race_create")
	g := env.guard(nil)
	callers := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	key := func(prefix string) func(int) string {
		return func(r int) string { return fmt.Sprintf("%s-%d", prefix, r) }
	}
	item := func(pk string, i int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{pfPK: pfS(pk), "val": pfS(callers[i])}
	}
	owns := func(pk string, _, i int) bool {
		it := env.read(pk)
		return pfStr(it, pfOwner) == callers[i] && pfStr(it, "val") == callers[i] && pfNum(it, pfVer) == 1
	}
	noLeak := func(err error) error {
		if pfErrItem(err) != nil {
			return fmt.Errorf("a loser saw the winner's item (%v)", err) // untyped: a violation
		}
		return err
	}
	pfRunContests(t, 20, []pfContest{
		{"create", 6, key("c"), func(pk string, _, i int) error {
			return noLeak(g.Create(callers[i], item(pk, i)).Run(env.ctx))
		}, []string{"ErrAlreadyExists"}, owns},
		{"create in a transaction", 4, key("x"), func(pk string, _, i int) error {
			return noLeak(ddbguard.NewTx(env.client).Create(g.Create(callers[i], item(pk, i))).Run(env.ctx))
		}, []string{"ErrAlreadyExists", "ErrConflict"}, owns},
	})
}

// TestRace_txDuringTransfer_allOrNothingAndNeverForeign runs alice's
// transactions over two of her items, and bob's over the same two, while
// alice transfers the first one to bob: both items count exactly alice's
// successful transactions (all or nothing, none after the transfer), and
// bob, who never owns both, never lands a write.
func TestRace_txDuringTransfer_allOrNothingAndNeverForeign(t *testing.T) {
	env := pfNewEnv(t, "race_tx_transfer")
	g := env.guard(nil)
	var tally pfTally
	pfGo(8, func(p int) {
		a, b := fmt.Sprintf("a%d", p), fmt.Sprintf("b%d", p)
		env.seed(pfOwned(a, "alice", "a"))
		env.seed(pfOwned(b, "alice", "a"))
		tx := func(caller string) error {
			return ddbguard.NewTx(env.client).
				Update(g.Update(caller, pfKey(a)).Add("cnt_"+caller, 1)).
				Update(g.Update(caller, pfKey(b)).Add("cnt_"+caller, 1)).Run(env.ctx)
		}
		var mu sync.Mutex
		aliceOK := 0
		enough := make(chan struct{})
		var once sync.Once
		pfGo(4, func(j int) {
			switch j {
			case 0, 1:
				defer once.Do(func() { close(enough) })
				for n := 0; n < 500; n++ {
					err := tx("alice")
					tally.note("alice tx", err)
					var e *ddbguard.Error
					switch {
					case err == nil:
						mu.Lock()
						if aliceOK++; aliceOK == 3 {
							once.Do(func() { close(enough) })
						}
						mu.Unlock()
					case errors.Is(err, ddbguard.ErrNotOwner) && errors.As(err, &e) && e.Index == 0:
						return
					case !errors.Is(err, ddbguard.ErrConflict):
						tally.violate("%s: alice's tx: %v", a, err)
						return
					}
				}
				tally.violate("%s: alice's tx never met the transfer", a)
			case 2:
				for n := 0; n < 30; n++ {
					err := tx("bob")
					tally.note("bob tx", err)
					if !errors.Is(err, ddbguard.ErrNotOwner) && !errors.Is(err, ddbguard.ErrConflict) {
						tally.violate("%s: bob's tx: %v", a, err)
					}
				}
			case 3:
				<-enough
				err := g.Transfer("alice", pfKey(a), "bob").Run(env.ctx)
				tally.note("alice transfer", err)
				if err != nil {
					tally.violate("%s: transfer: %v", a, err)
				}
			}
		})
		ia, ib := env.read(a), env.read(b)
		if pfNum(ia, "cnt_alice") != int64(aliceOK) || pfNum(ib, "cnt_alice") != int64(aliceOK) ||
			ia["cnt_bob"] != nil || ib["cnt_bob"] != nil || pfStr(ia, pfOwner) != "bob" || pfStr(ib, pfOwner) != "alice" {
			tally.violate("%s/%s after %d successful alice transactions: %s, %s", a, b, aliceOK, pfShow(ia), pfShow(ib))
		}
	})
	tally.report(t, "transactions racing a transfer of one of their items")
}
