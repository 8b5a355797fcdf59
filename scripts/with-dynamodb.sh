#!/usr/bin/env bash
# Run a command against DynamoDB Local and propagate its exit status.
#
# Usage: scripts/with-dynamodb.sh CMD [ARG...]
#
# Starts a private DynamoDB Local (its own state folder, so concurrent runs
# and a server started by `make dynamodb-start` are never touched), exports
# DDBGUARD_DYNAMODB_ENDPOINT and DDBGUARD_REQUIRE_DYNAMODB=1, runs CMD, then
# stops the server, also when CMD fails or the run is interrupted.
#
# When DDBGUARD_DYNAMODB_ENDPOINT is already set, that DynamoDB is used and
# nothing is started or stopped.
set -euo pipefail

(($# > 0)) || {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

export DDBGUARD_REQUIRE_DYNAMODB=1

if [[ -n ${DDBGUARD_DYNAMODB_ENDPOINT:-} ]]; then
	echo "with-dynamodb: using DDBGUARD_DYNAMODB_ENDPOINT=$DDBGUARD_DYNAMODB_ENDPOINT" >&2
	exec "$@"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DDBGUARD_STATE=$(mktemp -d "${TMPDIR:-/tmp}/ddbguard-dynamodb-run.XXXXXX")
export DDBGUARD_STATE

# shellcheck disable=SC2317 # called by the trap
stop() { "$here/dynamodb-local.sh" stop || true; }
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DDBGUARD_DYNAMODB_ENDPOINT=$("$here/dynamodb-local.sh" start)
export DDBGUARD_DYNAMODB_ENDPOINT
echo "with-dynamodb: DDBGUARD_DYNAMODB_ENDPOINT=$DDBGUARD_DYNAMODB_ENDPOINT" >&2

# The command must not inherit the private state folder: a nested
# `dynamodb-local.sh stop` would then stop this run's server.
rc=0
env -u DDBGUARD_STATE "$@" || rc=$?
exit "$rc"
