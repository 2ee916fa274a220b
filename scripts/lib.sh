# shellcheck shell=bash
# Helpers shared by scripts/test, scripts/e2e and .ci/run. Source this file; it sets no shell
# options and runs nothing by itself.

# Whether the local PostgreSQL answers on 127.0.0.1:5432.
xn_postgres_ready() {
  pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1
}

# Starts the machine's PostgreSQL cluster if it is not accepting connections, then waits (at most
# 60 s) until it is. Returns non-zero, with a reason on stderr, if it cannot be had.
xn_start_postgres() {
  if ! command -v pg_isready >/dev/null 2>&1; then
    echo "PostgreSQL: pg_isready not found; is PostgreSQL installed?" >&2
    return 1
  fi
  xn_postgres_ready && return 0

  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "PostgreSQL: no cluster under /etc/postgresql" >&2
    return 1
  fi
  echo "PostgreSQL $version is not accepting connections; starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    echo "PostgreSQL: pg_ctlcluster exited with $?; waiting anyway" >&2

  local i
  for ((i = 0; i < 60; i++)); do
    xn_postgres_ready && return 0
    sleep 1
  done
  echo "PostgreSQL: still not accepting connections on 127.0.0.1:5432 after 60 s" >&2
  return 1
}
