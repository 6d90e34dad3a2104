#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust) and MariaDB (127.0.0.1:3306, root, no password)
# answer, so live tests run instead of skipping. Servers already answering are used as they are; otherwise the
# Debian packages are installed if needed and throw-away instances are started with data under .data/ (stopped by
# `scripts/ensure_databases.sh stop`).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="$PWD/.data/db"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 100); do answers "$1" && return 0; sleep 0.2; done; echo "error: $2 did not start on port $1" >&2; return 1; }

if [ "${1:-}" = "stop" ]; then
  [ -f "$DATA/pg/postmaster.pid" ] && $SUDO -u postgres "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl" -D "$DATA/pg" stop -m fast || true
  [ -f "$DATA/mariadb.pid" ] && kill "$(cat "$DATA/mariadb.pid")" 2>/dev/null || true
  exit 0
fi

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! answers 5432; then
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || scripts/ensure_apt.sh postgresql
  bin="$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
  mkdir -p "$DATA"; $SUDO chown postgres "$DATA" 2>/dev/null || true; $SUDO chmod 777 "$DATA" 2>/dev/null || true
  if [ ! -f "$DATA/pg/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$DATA/pg" -U postgres --auth=trust >/dev/null
  fi
  as_postgres "$bin/pg_ctl" -D "$DATA/pg" -l "$DATA/pg.log" -o "-h 127.0.0.1 -p 5432 -k /tmp" start >/dev/null
  wait_port 5432 PostgreSQL
  echo "PostgreSQL: throw-away instance on 127.0.0.1:5432 (data $DATA/pg)"
fi

if ! answers 3306; then
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || scripts/ensure_apt.sh mariadb-server
  mkdir -p "$DATA/mariadb"
  if [ ! -d "$DATA/mariadb/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$DATA/mariadb" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >/dev/null
  fi
  /usr/sbin/mariadbd --no-defaults --datadir="$DATA/mariadb" --user="$(id -un)" --bind-address=127.0.0.1 \
    --port=3306 --socket="$DATA/mariadb.sock" --pid-file="$DATA/mariadb.pid" --log-error="$DATA/mariadb.log" &
  wait_port 3306 MariaDB
  echo "MariaDB: throw-away instance on 127.0.0.1:3306 (data $DATA/mariadb)"
fi
