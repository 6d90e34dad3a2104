#!/usr/bin/env bash
# Makes sure PostgreSQL (user postgres, trust) and MariaDB (root, no password) answer where the live tests look for
# them, so they run instead of skipping: TEST_PG_HOST:TEST_PG_PORT (127.0.0.1:5432) and
# TEST_MARIADB_HOST:TEST_MARIADB_PORT (127.0.0.1:3306), the variables tests/support/databases.py and
# tests/analyzer/check_cases.py read. Servers already answering are used as they are; otherwise the Debian packages
# are installed if needed and throw-away instances are started on that port with data under .data/db/ (one
# directory per engine and port; reused by the next run, stopped by `scripts/ensure_databases.sh stop`).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${TEST_DB_DATA:-$PWD/.data/db}"
PG_HOST="${TEST_PG_HOST:-127.0.0.1}"; PG_PORT="${TEST_PG_PORT:-5432}"
MY_HOST="${TEST_MARIADB_HOST:-127.0.0.1}"; MY_PORT="${TEST_MARIADB_PORT:-3306}"
PG_DIR="$DATA/pg-$PG_PORT"; MY_DIR="$DATA/mariadb-$MY_PORT"

answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_port() {  # host port name log pid
  for _ in $(seq 1 150); do
    answers "$1" "$2" && return 0
    [ -n "${5:-}" ] && ! kill -0 "$5" 2>/dev/null && break
    sleep 0.2
  done
  echo "error: $3 did not start on $1:$2; its log ($4) ends with:" >&2; tail -5 "$4" >&2 || true; return 1
}
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; elif [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
mariadbd_bin() { command -v mariadbd || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; }; }
loopback() { case "$1" in 127.*|localhost) return 0;; *) return 1;; esac; }

if [ "${1:-}" = "stop" ]; then
  for dir in "$DATA"/pg-*; do
    [ -f "$dir/postmaster.pid" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$dir" stop -m fast >/dev/null && echo "PostgreSQL: stopped ($dir)"
  done
  for pidfile in "$DATA"/mariadb-*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "MariaDB: stopped (${pidfile%.pid})"
    fi
  done
  exit 0
fi

if ! answers "$PG_HOST" "$PG_PORT"; then
  loopback "$PG_HOST" || { echo "error: PostgreSQL does not answer on $PG_HOST:$PG_PORT (TEST_PG_HOST), and only a loopback one can be started here" >&2; exit 2; }
  [ -n "$(pg_bin)" ] || scripts/ensure_apt.sh postgresql
  bin="$(pg_bin)"
  mkdir -p "$DATA"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$DATA"; fi
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DATA/initdb-$PG_PORT.log" 2>&1 \
      || { echo "error: initdb failed; see $DATA/initdb-$PG_PORT.log" >&2; exit 2; }
  fi
  as_postgres "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR.log" -o "-h $PG_HOST -p $PG_PORT -k /tmp" start >/dev/null
  wait_port "$PG_HOST" "$PG_PORT" PostgreSQL "$PG_DIR.log"
  echo "PostgreSQL: throw-away instance on $PG_HOST:$PG_PORT (data $PG_DIR)"
fi

if ! answers "$MY_HOST" "$MY_PORT"; then
  loopback "$MY_HOST" || { echo "error: MariaDB does not answer on $MY_HOST:$MY_PORT (TEST_MARIADB_HOST), and only a loopback one can be started here" >&2; exit 2; }
  [ -n "$(mariadbd_bin)" ] || scripts/ensure_apt.sh mariadb-server
  mkdir -p "$MY_DIR"
  if [ ! -d "$MY_DIR/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$MY_DIR" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$DATA/install-db-$MY_PORT.log" 2>&1 \
      || { echo "error: mariadb-install-db failed; see $DATA/install-db-$MY_PORT.log" >&2; exit 2; }
  fi
  # Settings as in Debian's packaged server (and the fixtures' expectations): no DNS lookups, utf8mb4.
  # setsid: the server outlives this script (and make's process group) until `ensure_databases.sh stop`.
  setsid "$(mariadbd_bin)" --no-defaults --datadir="$MY_DIR" --user="$(id -un)" --bind-address="$MY_HOST" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --port="$MY_PORT" --socket="$MY_DIR.sock" --pid-file="$MY_DIR.pid" --log-error="$MY_DIR.log" </dev/null >/dev/null 2>&1 &
  wait_port "$MY_HOST" "$MY_PORT" MariaDB "$MY_DIR.log" $!
  echo "MariaDB: throw-away instance on $MY_HOST:$MY_PORT (data $MY_DIR)"
fi
