package ddbguard

import "errors"

// asError is errors.As(err, &t) for a target of type T, without the
// reflection errors.As pays for every node it visits: along a chain of
// single wrappers (Unwrap() error, the SDK's shape) it asserts each node's
// type, and it hands the rest of the tree to errors.As at the first node
// that has an As method or wraps several errors, so the answer is always
// errors.As's: the same node, in the same order.
func asError[T any](err error) (T, bool) {
	var zero T
	for err != nil {
		if t, ok := err.(T); ok {
			return t, true
		}
		switch x := err.(type) {
		case interface{ As(any) bool }, interface{ Unwrap() []error }:
			var t T
			if errors.As(x, &t) {
				return t, true
			}
			return zero, false
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		default:
			return zero, false
		}
	}
	return zero, false
}
