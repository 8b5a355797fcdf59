package ddbguardvet

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// shape is what replaces an unconditioned write, beyond the guarded builder
// of its operation.
type shape int

const (
	shapeUser   shape = iota // a write of an item the caller names: Guard.Update/Delete/Create
	shapeList                // items found by a raw Query on the caller's id: Guard.List
	shapeSystem              // items a Scan or a Query returned, no caller involved: Guard.Admin
)

// originSet is where the values behind a written key come from.
type originSet struct {
	params     map[int]bool // parameters of the function reached
	multi      string       // a Query or Scan whose items are written, or ""
	multiParam bool         // that read's input derives from a parameter
}

// paramList returns the parameters reached, in order.
func (o *originSet) paramList() []int { return sortedKeys(o.params) }

// shape classifies a write whose key has these origins.
func (o *originSet) shape(op string) shape {
	switch {
	case op == "" || len(o.params) > 0 || o.multi == "":
		return shapeUser
	case o.multiParam:
		return shapeList
	}
	return shapeSystem
}

// originsOf walks back from vals, inside fn, to the parameters and the
// multi-item reads they are computed from.
func originsOf(e *engine, fn *ssa.Function, vals []ssa.Value) *originSet {
	o := &originSet{params: map[int]bool{}}
	w := &originWalk{e: e, fn: fn, o: o, seen: map[ssa.Value]bool{}}
	for _, v := range vals {
		w.walk(v)
	}
	return o
}

type originWalk struct {
	e      *engine
	fn     *ssa.Function
	o      *originSet
	seen   map[ssa.Value]bool
	inRead bool // walking the input of a multi-item read
}

func (w *originWalk) walk(v ssa.Value) {
	if v == nil || w.seen[v] {
		return
	}
	w.seen[v] = true
	switch x := v.(type) {
	case *ssa.Parameter:
		if plumbing(x.Type()) {
			return
		}
		for i, p := range w.fn.Params {
			if p == x {
				if w.inRead {
					w.o.multiParam = true
				} else {
					w.o.params[i] = true
				}
			}
		}
	case *ssa.Call:
		w.call(x)
	case *ssa.Extract:
		w.walk(x.Tuple)
	case *ssa.UnOp:
		w.walk(x.X)
	case *ssa.BinOp:
		w.walk(x.X)
		w.walk(x.Y)
	case *ssa.FieldAddr:
		w.walk(x.X)
	case *ssa.Field:
		w.walk(x.X)
	case *ssa.IndexAddr:
		w.walk(x.X)
	case *ssa.Index:
		w.walk(x.X)
	case *ssa.Lookup:
		w.walk(x.X)
	case *ssa.Slice:
		w.walk(x.X)
	case *ssa.Convert:
		w.walk(x.X)
	case *ssa.ChangeType:
		w.walk(x.X)
	case *ssa.MakeInterface:
		w.walk(x.X)
	case *ssa.ChangeInterface:
		w.walk(x.X)
	case *ssa.TypeAssert:
		w.walk(x.X)
	case *ssa.Range:
		w.walk(x.X)
	case *ssa.Next:
		w.walk(x.Iter)
	case *ssa.Phi:
		for _, ed := range x.Edges {
			w.walk(ed)
		}
	case *ssa.Alloc, *ssa.MakeMap, *ssa.MakeSlice:
		w.filled(v)
	}
}

// call walks back through a call: a multi-item read is an origin of its
// own, anything else is computed from its arguments.
func (w *originWalk) call(c *ssa.Call) {
	args := c.Common().Args
	for _, a := range args {
		if plumbing(a.Type()) {
			continue
		}
		if op := readOp(a.Type()); op == "Query" || op == "Scan" {
			if w.o.multi == "" || op == "Scan" {
				w.o.multi = op
			}
			saved := w.inRead
			w.inRead = true
			for _, a := range args {
				if !plumbing(a.Type()) {
					w.walk(a)
				}
			}
			w.inRead = saved
			return
		}
	}
	if c.Common().IsInvoke() {
		w.walk(c.Common().Value)
	}
	for _, a := range args {
		if !plumbing(a.Type()) {
			w.walk(a)
		}
	}
}

// filled walks back to what was stored into a local allocation, map or
// slice, or passed by pointer to a call that fills it.
func (w *originWalk) filled(root ssa.Value) {
	for _, b := range w.fn.Blocks {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case *ssa.Store:
				if rootAlloc(in.Addr) == root || in.Addr == root {
					w.walk(in.Val)
				}
			case *ssa.MapUpdate:
				if in.Map == root {
					w.walk(in.Key)
					w.walk(in.Value)
				}
			case ssa.CallInstruction:
				for _, a := range in.Common().Args {
					if a == root || rootAlloc(a) == root {
						for _, other := range in.Common().Args {
							if other != a {
								w.walk(other)
							}
						}
					}
				}
			}
		}
	}
}

// plumbing reports whether a value of type t carries no item data: a
// context, or a client or option of the SDK.
func plumbing(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	path, name := n.Obj().Pkg().Path(), n.Obj().Name()
	return path == "context" || strings.HasPrefix(path, "github.com/aws/") &&
		(name == "Client" || strings.HasSuffix(name, "Options") || name == "Config")
}

// untypedKey reports whether a parameter of type t carries a key or item
// the function cannot tell the owner of: any, a key or item map, a string.
func untypedKey(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Interface:
		return true
	case *types.Map:
		return true
	case *types.Basic:
		return u.Info()&types.IsString != 0
	}
	return false
}
