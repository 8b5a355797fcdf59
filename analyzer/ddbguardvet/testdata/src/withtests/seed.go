// Package withtests is checked with -tests: findings in test files count.
package withtests
