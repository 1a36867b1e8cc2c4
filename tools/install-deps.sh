#!/bin/sh
# install-deps.sh — install the Debian packages bpelc needs to build, test
# and run, when any is missing. Does nothing when everything is present;
# uses sudo only when not root. Does not install anything from outside the
# distribution, and does nothing on a system without dpkg/apt-get except
# say what is missing.
#
#   sh tools/install-deps.sh
#
# Run by `make demo` and .ci/run; safe to run again.
set -eu

# Libraries (found with pkg-config by the Makefile) and tools; then what
# only the tests use: postgresql (the server the shared-store tests start,
# tests/cluster/pg.sh) and postgresql-client (psql, which the cluster test
# uses to look into the database), clang with libclang-rt-14-dev (libFuzzer), gdb
# (stepping through #line), graphviz (dot renders --emit=dot), libxml2-utils
# (xmllint checks bpelc test's JUnit output, tests/testing/run.sh), chromium
# (the admin console page in a real browser), sqlite3 (looking into
# stores by hand).
PKGS="libxml2-dev libxslt1-dev libevent-dev libcurl4-openssl-dev \
libsqlite3-dev libpq-dev check pkg-config gcc make python3 git clang-format \
postgresql postgresql-client clang libclang-rt-14-dev gdb graphviz chromium sqlite3 \
libxml2-utils"

missing=""
have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
for p in $PKGS; do
	case "$p" in
	# A tool counts as present when it is on PATH, whoever installed it.
	gcc | make | python3 | pkg-config | git | clang-format | clang | gdb | \
		chromium | sqlite3)
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p" ;;
	postgresql-client)
		command -v psql >/dev/null 2>&1 || missing="$missing $p" ;;
	graphviz)
		command -v dot >/dev/null 2>&1 || missing="$missing $p" ;;
	*)
		command -v dpkg-query >/dev/null 2>&1 && have_pkg "$p" ||
			missing="$missing $p" ;;
	esac
done

# The libraries may also come from elsewhere (a non-Debian system, a
# prefix): if pkg-config finds them all, nothing is missing after all.
if [ -n "$missing" ] && command -v pkg-config >/dev/null 2>&1 &&
	pkg-config --exists libxml-2.0 libxslt libexslt libevent libcurl sqlite3 \
		libpq check; then
	tools=""
	for p in $missing; do
		case "$p" in
		libxml2-dev | libxslt1-dev | libevent-dev | libcurl4-openssl-dev | \
			libsqlite3-dev | libpq-dev | check) ;;
		*) tools="$tools $p" ;;
		esac
	done
	missing="$tools"
fi

if [ -z "$missing" ]; then
	echo "install-deps: all dependencies present"
	exit 0
fi

echo "install-deps: missing:$missing"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: no apt-get here; install the equivalents of:$missing" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: not root and no sudo; install:$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086 # word splitting of the list is intended
$SUDO apt-get install -y --no-install-recommends $missing
echo "install-deps: installed:$missing"
