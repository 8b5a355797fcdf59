#!/usr/bin/env bash
# Check that every example works when copied alone into another module.
#
# Usage: scripts/check-examples-copy.sh [EXAMPLE...]   (default: every folder of examples/)
#
# For each example folder, as a user would copy it into a service:
#   1. refuse any import of github.com/ddbguard/ddbguard/internal/... (inside
#      the repository Go's path-based internal rule allows it, so only this
#      check catches it);
#   2. copy the folder alone into a fresh temporary module, example.com/copied,
#      whose go.mod requires only the library (replaced with this checkout),
#      rewriting the example's imports of its own packages to the new path;
#   3. go mod tidy (GOFLAGS=-mod=mod: it fetches what the example needs, such
#      as aws-sdk-go-v2/config), then go build, go vet and go test.
# Integration tests need DDBGUARD_DYNAMODB_ENDPOINT (make test sets it);
# without it they skip, or fail with DDBGUARD_REQUIRE_DYNAMODB=1.
#
# Environment: GO (default go).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
go=${GO:-go}
lib=github.com/ddbguard/ddbguard
copied=example.com/copied

log() { printf 'check-examples-copy: %s\n' "$*" >&2; }

if (($# > 0)); then
	examples=("$@")
else
	examples=()
	for d in "$repo"/examples/*/; do
		d=${d%/}
		[[ -n $(find "$d" -name '*.go' -print -quit) ]] && examples+=("$(basename "$d")")
	done
fi
((${#examples[@]} > 0)) || { log "no examples found"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddbguard-examples-copy.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# The library's go directive: the copy claims no newer Go than the library.
godirective=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$repo/go.mod")

status=0
for name in "${examples[@]}"; do
	src=$repo/examples/$name
	[[ -d $src ]] || { log "$name: no folder examples/$name"; status=1; continue; }
	log "$name: copying into a fresh module $copied"

	if grep -rn --include='*.go' "\"$lib/internal" "$src" >&2; then
		log "$name: FAIL: imports $lib/internal (not allowed outside the library)"
		status=1
		continue
	fi

	mod=$tmp/$name
	mkdir -p "$mod"
	cp -R "$src" "$mod/$name"
	# The example's imports of its own packages move to the new module path.
	find "$mod" -name '*.go' -type f -exec \
		sed -i "s#\"$lib/examples/$name\([/\"]\)#\"$copied/$name\1#g" {} +
	cat >"$mod/go.mod" <<EOF
module $copied

go $godirective

require $lib v0.0.0

replace $lib => $repo
EOF

	# One && chain: set -e does not apply inside an if condition.
	if ! (
		cd "$mod" &&
			export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off &&
			set -x &&
			"$go" mod tidy &&
			"$go" build -o "$tmp/bin/" ./... &&
			"$go" vet ./... &&
			"$go" test -count=1 ./...
	); then
		log "$name: FAIL when copied alone"
		status=1
		continue
	fi
	log "$name: ok"
done
exit "$status"
