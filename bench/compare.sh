#!/usr/bin/env bash
# bench/compare.sh - kiemtrad against the usual choices, measured in the same run.
#
#   bench/compare.sh [--seconds S] [--rounds N] [--connections C] [--no-redis]
#
# Each round runs, one after the other on this machine:
#   1. PostgreSQL (the Debian package `postgresql`, installed when missing): a
#      throwaway cluster in a temporary directory, on 127.0.0.1 and a free
#      port, durable (fsync=on, synchronous_commit=on, the defaults otherwise),
#      with our findings table (every column, foreign key, unique key and
#      index of server/store/store.c) and, for reference, a bare one (the
#      columns, one unique client id, one index, no foreign keys); for each,
#      `pgbench -n -c 50 -j 2 -T S` inserting one finding-sized row (the same
#      Vietnamese text as kiemtra-bench) per transaction;
#   2. `kiemtra-bench --connections C --seconds S --baseline` (C = 64): our
#      server, every finding acknowledged only once durable.
# Optionally (unless --no-redis; installed when missing and possible) Redis
# with `appendfsync always` answers `redis-benchmark -t set,ping -c 50` for
# reference. Everything it starts listens on 127.0.0.1 only and is stopped
# and removed at the end; each step is bounded in time.
#
# It prints each figure, the medians over the rounds and the ratios of the
# medians (kiemtra / PostgreSQL into our table, and into the bare one), and as
# its LAST line one JSON object:
#   {"postgres_tps":...,"postgres_bare_tps":...,"kiemtra_ops_per_s":...,
#    "ratio":...,"ratio_bare":...,"rounds":N,...}
# KT_BUILD_DIR picks the build tree (default build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KT_BUILD_DIR:-$root/build}
seconds=10
rounds=1
conns=64
redis=1
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--no-redis) redis=0; shift ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case $seconds$rounds$conns in *[!0-9]*) echo "compare.sh: numbers only" >&2; exit 2 ;; esac
bench=$build/kiemtra-bench
[ -x "$bench" ] || { echo "compare.sh: no $bench (build first: ./scripts/build)" >&2; exit 1; }

log() { printf 'compare.sh: %s\n' "$*" >&2; }

# apt-get install PACKAGE... as root or through sudo (scripts/deps does the same).
install_pkgs() {
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || return 1
		sudo=(sudo)
	fi
	log "installing $*"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >/dev/null &&
		"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pgbench" ] && echo "$d"
}

pgbin=$(pg_bindir || true)
if [ -z "$pgbin" ]; then
	install_pkgs postgresql || { log "cannot install postgresql"; exit 1; }
	pgbin=$(pg_bindir) || { log "postgresql installed but initdb/pgbench not found"; exit 1; }
fi
# The cluster refuses to run as root: then it belongs to the postgres user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || { log "running as root and no postgres user"; exit 1; }
	as_pg=(runuser -u postgres --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kiemtra-compare.XXXXXX")
chmod 755 "$tmp"
pgdata=$tmp/pg
pg_started=0
redis_pid=
cleanup() {
	if [ "$pg_started" = 1 ]; then
		"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m immediate -t 30 stop \
			>/dev/null 2>&1 || true
	fi
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nobody listens on (checked again by the server binding it).
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# field NAME: a number from the JSON line in $line.
field() { printf '%s\n' "$line" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

# median: of the numbers on standard input, one a line.
median() {
	sort -g | awk '{v[NR] = $1}
		END {if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		     else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- PostgreSQL ---------------------------------------------------------------------
mkdir -m 700 "$pgdata"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$pgdata"
timeout 120 "${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -U bench -A trust -E UTF8 --locale=C.UTF-8 \
	>"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
pgport=
for _ in 1 2 3; do
	pgport=$(free_port) || break
	opts="-c listen_addresses=127.0.0.1 -p $pgport -c unix_socket_directories='$pgdata'"
	opts="$opts -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	opts="$opts -c max_connections=100"
	if timeout 90 "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
		-o "$opts" start >/dev/null 2>&1; then
		pg_started=1
		break
	fi
done
[ "$pg_started" = 1 ] || { log "PostgreSQL did not start"; cat "$pgdata/server.log" >&2; exit 1; }
psql=("$pgbin/psql" -X -q -h 127.0.0.1 -p "$pgport" -U bench -d postgres -v ON_ERROR_STOP=1)
pgversion=$("${psql[@]}" -At -c 'SHOW server_version' | cut -d' ' -f1)
# Two tables for the same row. `findings` is ours (server/store/store.c) as it
# stands: every column, the foreign keys to the plan, the unit and the users,
# UNIQUE (author_id, client_id), and both indexes a plan's findings are read
# with. `findings_bare` is the row alone with one unique client id and one
# index (what this script compared against until 22 November: a lighter insert).
"${psql[@]}" <<'EOF'
CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL);
CREATE TABLE units (id bigint PRIMARY KEY, code text NOT NULL);
CREATE TABLE plans (id bigint PRIMARY KEY, number text NOT NULL);
INSERT INTO users VALUES (1, 'bench');
INSERT INTO units VALUES (1, 'B');
INSERT INTO plans VALUES (1, '1/KH');
CREATE TABLE findings (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	plan_id bigint NOT NULL REFERENCES plans (id),
	unit_id bigint NOT NULL REFERENCES units (id),
	area integer NOT NULL,
	kind integer NOT NULL,
	text text NOT NULL,
	cause text NOT NULL,
	state integer NOT NULL,
	return_reason text NOT NULL DEFAULT '',
	author_id bigint NOT NULL REFERENCES users (id),
	client_id text NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	updated_by bigint NOT NULL REFERENCES users (id),
	version integer NOT NULL DEFAULT 1,
	accepted_by bigint REFERENCES users (id),
	accepted_at bigint,
	accept_digest bytea,
	accept_signature bytea,
	accept_key bytea,
	UNIQUE (author_id, client_id)
);
CREATE INDEX findings_by_plan_unit ON findings (plan_id, unit_id, id);
CREATE INDEX findings_by_plan ON findings (plan_id, id);
CREATE TABLE findings_bare (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	plan_id bigint NOT NULL,
	unit_id bigint NOT NULL,
	area integer NOT NULL,
	kind integer NOT NULL,
	text text NOT NULL,
	cause text NOT NULL,
	state integer NOT NULL,
	author_id bigint NOT NULL,
	client_id text NOT NULL UNIQUE,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	updated_by bigint NOT NULL,
	version integer NOT NULL DEFAULT 1
);
CREATE INDEX findings_bare_by_plan_unit ON findings_bare (plan_id, unit_id, id);
CREATE SEQUENCE finding_seq;
EOF
# One finding per transaction: the text kiemtra-bench submits, numbered the same way.
for table in findings findings_bare; do
	cat >"$tmp/insert-$table.sql" <<EOF
INSERT INTO $table (plan_id, unit_id, area, kind, text, cause, state, author_id, client_id,
	created_at, updated_at, updated_by)
SELECT 1, 1, 3, 2,
	'Hồ sơ trễ hạn trên phần mềm một cửa điện tử do công chức quên cập nhật (' || n || ')',
	'Công chức chưa cập nhật luân chuyển hồ sơ', 2, 1, 'bench-' || lpad(n::text, 8, '0'),
	t, t, 1
FROM (SELECT nextval('finding_seq') AS n,
	(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t) AS v;
EOF
done

# ---- Redis (reference only) ---------------------------------------------------------
redis_set=null
redis_ping=null
if [ "$redis" = 1 ]; then
	if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
		install_pkgs redis-server redis-tools || log "Redis not installable: skipped"
	fi
	if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
		rport=$(free_port)
		mkdir -p "$tmp/redis"
		redis-server --bind 127.0.0.1 --port "$rport" --dir "$tmp/redis" --save '' \
			--appendonly yes --appendfsync always --daemonize no --protected-mode yes \
			>"$tmp/redis.log" 2>&1 &
		redis_pid=$!
		for _ in $(seq 1 100); do
			redis-cli -h 127.0.0.1 -p "$rport" ping 2>/dev/null | grep -q PONG && break
			sleep 0.1
		done
	fi
fi

# ---- the rounds ---------------------------------------------------------------------
: >"$tmp/pg-findings.txt"; : >"$tmp/pg-findings_bare.txt"; : >"$tmp/kt.txt"; : >"$tmp/base.txt"; : >"$tmp/p99.txt"
for r in $(seq 1 "$rounds"); do
	for table in findings findings_bare; do
		log "round $r/$rounds: PostgreSQL $pgversion, $table, pgbench -c 50 -j 2 -T $seconds" \
			"(load $(load))"
		timeout $((seconds + 120)) "$pgbin/pgbench" -n -c 50 -j 2 -T "$seconds" \
			-h 127.0.0.1 -p "$pgport" -U bench -f "$tmp/insert-$table.sql" postgres \
			>"$tmp/pgbench.out" 2>&1 || { cat "$tmp/pgbench.out" >&2; exit 1; }
		tps=$(sed -n 's/^tps = \([0-9]*\)\.\{0,1\}\([0-9]\{0,1\}\).*(without initial.*/\1.\2/p' \
			"$tmp/pgbench.out")
		[ -n "$tps" ] || { cat "$tmp/pgbench.out" >&2; exit 1; }
		pglat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$tmp/pgbench.out")
		echo "round $r: PostgreSQL $pgversion, 50 clients, $table: $tps inserts/s" \
			"(latency average ${pglat:-?} ms)"
		echo "$tps" >>"$tmp/pg-$table.txt"
	done

	log "round $r/$rounds: kiemtra-bench --connections $conns --seconds $seconds" \
		"--baseline (load $(load))"
	timeout $((seconds * 2 + 180)) "$bench" --connections "$conns" --seconds "$seconds" \
		--baseline --quiet >"$tmp/kt.out" 2>&1 || { cat "$tmp/kt.out" >&2; exit 1; }
	line=$(tail -n 1 "$tmp/kt.out")
	ops=$(field ops_per_s)
	[ -n "$ops" ] || { cat "$tmp/kt.out" >&2; exit 1; }
	echo "round $r: kiemtrad, $conns connections: $ops acknowledged findings/s" \
		"(p99 $(field p99_ms) ms; in-process SQLite baseline $(field baseline_ops_per_s)/s)"
	echo "$ops" >>"$tmp/kt.txt"
	field baseline_ops_per_s >>"$tmp/base.txt"
	field p99_ms >>"$tmp/p99.txt"
done

if [ -n "$redis_pid" ]; then
	rb=$(timeout $((seconds * 6 + 60)) redis-benchmark -h 127.0.0.1 -p "$rport" \
		-t set,ping -c 50 -n $((seconds * 10000)) -d 200 -q 2>/dev/null | tr '\r' '\n' |
		grep 'requests per second' || true)
	redis_set=$(printf '%s\n' "$rb" | sed -n 's/^SET: \([0-9.]*\) requests.*/\1/p' | tail -n 1)
	redis_ping=$(printf '%s\n' "$rb" | sed -n 's/^PING_MBULK: \([0-9.]*\) requests.*/\1/p' |
		tail -n 1)
	redis_set=${redis_set:-null}
	redis_ping=${redis_ping:-null}
	rversion=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
	echo "Redis $rversion, appendfsync always, 50 clients: SET $redis_set/s," \
		"PING $redis_ping/s (reference)"
fi

pg=$(median <"$tmp/pg-findings.txt")
pgbare=$(median <"$tmp/pg-findings_bare.txt")
kt=$(median <"$tmp/kt.txt")
base=$(median <"$tmp/base.txt")
p99=$(median <"$tmp/p99.txt")
ratio=$(awk -v k="$kt" -v p="$pg" 'BEGIN {r = 0; if (p > 0) r = k / p; printf "%.2f", r}')
ratiobare=$(awk -v k="$kt" -v p="$pgbare" 'BEGIN {r = 0; if (p > 0) r = k / p; printf "%.2f", r}')
loadnow=$(load)
echo "median of $rounds: PostgreSQL $pg inserts/s into our table ($pgbare into the bare" \
	"one); kiemtrad $kt findings/s; ratio $ratio ($ratiobare to the bare table; the issue" \
	"asks for at least 5); load average now $loadnow"
printf '{"postgres_tps":%s,"postgres_bare_tps":%s,"postgres_clients":50,' "$pg" "$pgbare"
printf '"postgres_version":"%s","kiemtra_ops_per_s":%s,"kiemtra_connections":%s,' \
	"$pgversion" "$kt" "$conns"
printf '"kiemtra_p99_ms":%s,"baseline_ops_per_s":%s,"ratio":%s,"ratio_bare":%s,' \
	"$p99" "$base" "$ratio" "$ratiobare"
printf '"redis_set_per_s":%s,"redis_ping_per_s":%s,"rounds":%s,"seconds":%s,"load":"%s",' \
	"$redis_set" "$redis_ping" "$rounds" "$seconds" "$loadnow"
printf '"postgres_runs":[%s],"postgres_bare_runs":[%s],"kiemtra_runs":[%s]}\n' \
	"$(paste -sd, "$tmp/pg-findings.txt")" "$(paste -sd, "$tmp/pg-findings_bare.txt")" \
	"$(paste -sd, "$tmp/kt.txt")"
