#!/usr/bin/env bash
# Drives a mixed GraphQL workload against a local Crucible with wrk.
#
#   scripts/load/run.sh [STUDENTS] [DURATION] [CONNECTIONS]
#
# It builds crucible, starts a private PostgreSQL in a temporary data
# directory, loads the demo data plus STUDENTS synthetic students (default
# 100000), waits for the search index, runs wrk for DURATION (default 30s)
# with CONNECTIONS (default 32), prints the figures, and stops everything.
# Needs wrk (Debian: apt-get install wrk) and jq. With PROFILE=FILE it also
# writes a 20-second CPU profile of the server, taken during the measured
# run, to FILE (read it with `go tool pprof FILE`).
set -euo pipefail
STUDENTS=${1:-100000}
DURATION=${2:-30s}
CONNECTIONS=${3:-32}
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed (apt-get install jq)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
bin="$work/crucible"
go build -o "$bin" ./cmd/crucible
data="$work/data"
addr=127.0.0.1:18787
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" seed --demo --data-dir "$data" >/dev/null
if [ "$STUDENTS" -gt 0 ]; then
  "$bin" seed --students "$STUDENTS" --seed 42 --data-dir "$data"
fi
"$bin" token create --role CAREER_OFFICER --name load --data-dir "$data" 2>/dev/null | tail -1 > "$work/token"
TOKEN=$(cat "$work/token")
debug=127.0.0.1:18788
"$bin" serve --data-dir "$data" --addr "$addr" --debug-addr "$debug" >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
echo "waiting for the search index…"
for _ in $(seq 1 600); do
  curl -sf "http://$addr/readyz" >/dev/null && break
  sleep 1
done
curl -sf "http://$addr/readyz" >/dev/null || { echo "not ready"; tail -20 "$work/serve.log"; exit 1; }

q() { curl -s "http://$addr/graphql" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$1"; }
INTERNSHIP_ID=$(q '{"query":"{ internships(first: 1) { edges { node { id } } } }"}' | jq -r '.data.internships.edges[0].node.id')
STUDENT_IDS=$(q '{"query":"{ students(first: 100) { edges { node { id } } } }"}' | jq -r '[.data.students.edges[].node.id] | join(",")')
export TOKEN INTERNSHIP_ID STUDENT_IDS

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/Model name: *//p')"
echo "data: $(q '{"query":"{ students(first: 0) { totalCount } }"}' | jq .data.students.totalCount) students"
wrk -t2 -c"$CONNECTIONS" -d10s -s scripts/load/mixed.lua "http://$addr" >/dev/null 2>&1 || true  # warm up
# Busy CPU seconds of the whole machine (all cores), from /proc/stat.
busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {print int(($2+$3+$4+$7+$8+$9)/hz)}' /proc/stat; }
busy_before=$(busy); srv_before=$(ps -o cputimes= -p "$pid" | tr -d ' ')
prof=""
if [ -n "${PROFILE:-}" ]; then
  (sleep 2; curl -sf -o "$PROFILE" "http://$debug/debug/pprof/profile?seconds=20" && echo "CPU profile: $PROFILE") &
  prof=$!
fi
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/load/mixed.lua "http://$addr" 2>"$work/errors.txt"
[ -z "$prof" ] || wait "$prof" || true
echo "CPU seconds during the measured run: all cores busy $(( $(busy) - busy_before )), of which the server $(( $(ps -o cputimes= -p "$pid" | tr -d ' ') - srv_before )) (the rest: PostgreSQL, wrk, the system)"
echo "mean latency by operation (server side, from /metrics; includes the warm-up):"
curl -s "http://$addr/metrics" | awk '
  /^crucible_graphql_operation_duration_seconds_sum/ { match($0, /operation="[^"]*"/); op=substr($0, RSTART+11, RLENGTH-12); sum[op]=$2 }
  /^crucible_graphql_operation_duration_seconds_count/ { match($0, /operation="[^"]*"/); op=substr($0, RSTART+11, RLENGTH-12); n[op]=$2 }
  END { for (op in n) if (n[op] > 0) printf "  %-16s %8d requests, mean %.1f ms\n", op, n[op], 1000*sum[op]/n[op] }'

echo "error responses: $(grep -c 'error response' "$work/errors.txt" || true) (first ones below)"
head -3 "$work/errors.txt"
