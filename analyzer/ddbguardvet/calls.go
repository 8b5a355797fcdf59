package ddbguardvet

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// calleeName returns the name of the function or method a call invokes, or
// "" when the callee is a function value the analysis cannot name.
func calleeName(c *ssa.CallCommon) string {
	if c.IsInvoke() {
		return c.Method.Name()
	}
	if f := c.StaticCallee(); f != nil {
		return strings.TrimSuffix(f.Name(), "$bound")
	}
	return ""
}

// isWriteCall reports whether c sends its *XInput argument as operation op:
// a callee whose name contains the operation (the SDK client, any interface
// such as ddbguard.API, a wrapper's PutItemWithRetry) or any function value
// with the SDK's shape func(ctx, *XInput, ...) (*XOutput, error).
func isWriteCall(c *ssa.CallCommon, op string) bool {
	if strings.Contains(strings.ToLower(calleeName(c)), strings.ToLower(op)) {
		return true
	}
	return sdkShaped(c.Signature(), op)
}

// sdkShaped reports whether sig looks like the SDK method for op.
func sdkShaped(sig *types.Signature, op string) bool {
	if sig == nil || sig.Params().Len() < 2 || sig.Results().Len() != 2 {
		return false
	}
	return isDynamoInput(sig.Params().At(1).Type(), op+"Input") &&
		isDynamoInput(sig.Results().At(0).Type(), op+"Output")
}

// isReadOnlyCallee reports whether c calls code that cannot set a condition on
// the arguments it receives: builtins and the standard printers and loggers.
func isReadOnlyCallee(c *ssa.CallCommon) bool {
	if c.IsInvoke() {
		return c.Method.Pkg() == nil || printers[c.Method.Pkg().Path()]
	}
	switch fn := c.Value.(type) {
	case *ssa.Builtin:
		return true
	case *ssa.Function:
		if obj := fn.Object(); obj != nil && obj.Pkg() != nil {
			return printers[obj.Pkg().Path()]
		}
	}
	return false
}

// calleePkgPath returns the package of a statically known callee, or "".
func calleePkgPath(c *ssa.CallCommon) string {
	if c.IsInvoke() {
		if c.Method.Pkg() != nil {
			return c.Method.Pkg().Path()
		}
		return ""
	}
	if f := c.StaticCallee(); f != nil {
		if obj := f.Object(); obj != nil && obj.Pkg() != nil {
			return obj.Pkg().Path()
		}
	}
	return ""
}

// hasArg reports whether v is one of the call's arguments (not its callee).
func hasArg(c *ssa.CallCommon, v ssa.Value) bool {
	for _, a := range c.Args {
		if a == v {
			return true
		}
	}
	return false
}
