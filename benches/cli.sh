#!/usr/bin/env bash
# Whole-process timings against one local fake Salesforce:
#   sfkey refresh  vs  curl doing the same POST (aim: within 1.3x)
#   sfkey token with a stored token (aim: under 10 ms)
# Runs inside a private keyring (.ci/with-keyring). Usage: benches/cli.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-${BENCH_RUNS:-40}}

if [ "${SFKEY_TEST_KEYRING:-}" != 1 ]; then
  exec .ci/with-keyring bash benches/cli.sh "$runs"
fi
command -v curl >/dev/null || { echo "bench: curl is missing (apt-get install curl)" >&2; exit 1; }

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/sfkey"
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" fake-server --client-id bench-client >"$work/url" &
server_pid=$!
for _ in $(seq 1 50); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -n1 "$work/url")
export SFKEY_CONFIG_DIR="$work/config"
printf '\nbench-refresh-token\n' | "$bin" add bench --login-url "$url" --client-id bench-client

# Median wall time in microseconds of running "$@" $runs times (after one warm-up run);
# a failing run stops the benchmark, so a broken build is never timed.
median_us() {
  "$@" >/dev/null 2>"$work/err" || { echo "bench: '$*' failed:" >&2; cat "$work/err" >&2; exit 1; }
  local times=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$work/err" || { echo "bench: '$*' failed:" >&2; cat "$work/err" >&2; exit 1; }
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

curl_refresh() {
  curl -sf -X POST --compressed -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-urlencode grant_type=refresh_token --data-urlencode client_id=bench-client \
    --data-urlencode refresh_token=bench-refresh-token "$url/services/oauth2/token"
}

curl_us=$(median_us curl_refresh)
refresh_us=$(median_us "$bin" refresh bench)
token_us=$(median_us "$bin" token bench)

awk -v c="$curl_us" -v r="$refresh_us" -v t="$token_us" -v n="$runs" 'BEGIN {
  printf "runs per command: %d (medians, whole process)\n", n
  printf "curl POST:      %8.2f ms\n", c / 1000
  printf "sfkey refresh:  %8.2f ms   ratio to curl %.2fx (aim <= 1.30x) %s\n", r / 1000, r / c, (r / c <= 1.3 ? "ok" : "OVER")
  printf "sfkey token:    %8.2f ms   (aim < 10 ms) %s\n", t / 1000, (t < 10000 ? "ok" : "OVER")
}'
