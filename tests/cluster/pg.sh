#!/bin/sh
# pg.sh — a throw-away PostgreSQL server for tests: initdb in a directory of
# its own, Unix socket only (no TCP port is ever opened), trust
# authentication for the one user "bpel". Not for production: no password,
# no fsync tuning, no backups (docs/scale-out.md says what to provision).
#
#   sh tests/cluster/pg.sh start DIR     initdb when DIR has no cluster, start,
#                                         wait until it accepts connections,
#                                         print the connection URI
#   sh tests/cluster/pg.sh uri DIR       print the connection URI
#   sh tests/cluster/pg.sh stop DIR      clean shutdown (-m fast)
#   sh tests/cluster/pg.sh crash DIR     pg_ctl stop -m immediate: the server
#                                         dies without a checkpoint, as in a crash
#   sh tests/cluster/pg.sh teardown DIR  crash if running, then remove DIR
#
# initdb refuses to run as root, and CI runs as root: then every server
# command runs as the postgres user (runuser), which the Debian postgresql
# package creates. PGBIN overrides where the server binaries are.
set -eu

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	echo "usage: pg.sh start|uri|stop|crash|teardown DIR" >&2
	exit 2
fi

if [ -z "${PGBIN:-}" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
	echo "pg.sh: no PostgreSQL server binaries (install the Debian package" \
		"postgresql: sh tools/install-deps.sh)" >&2
	exit 3
fi

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# An absolute path: the URI and pg_ctl -D need one.
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
sock="$dir/sock"

uri() {
	echo "postgresql://bpel@/postgres?host=$sock"
}

running() {
	[ -f "$data/postmaster.pid" ] &&
		as_owner "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

case "$cmd" in
start)
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			echo "pg.sh: the postgres user cannot reach $dir" \
				"(a parent directory is private); use a" \
				"directory of its own, e.g. mktemp -d" >&2
			exit 1
		fi
	fi
	if [ ! -f "$data/PG_VERSION" ]; then
		as_owner "$PGBIN/initdb" -D "$data" -U bpel --auth=trust \
			--no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			exit 1
		}
		as_owner mkdir -p "$sock"
	fi
	if ! running; then
		# fsync stays on: the crash test checks what a committed
		# transaction keeps across `stop -m immediate`.
		as_owner "$PGBIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
			-o "-k $sock -c listen_addresses='' -c max_connections=100" \
			start >/dev/null || {
			tail -n 20 "$dir/server.log" >&2
			exit 1
		}
	fi
	uri
	;;
uri)
	uri
	;;
stop)
	if running; then
		as_owner "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
	;;
crash)
	if running; then
		as_owner "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
	fi
	;;
teardown)
	if running; then
		as_owner "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop \
			>/dev/null || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "pg.sh: unknown command '$cmd'" >&2
	exit 2
	;;
esac
