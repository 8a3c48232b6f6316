#!/usr/bin/env bash
# sfkey proxy against one local fake Salesforce (release build):
#   median added latency per request with keep-alive, proxy vs straight to the fake (aim < 0.3 ms)
#   1,000 requests over 50 connections through the proxy: errors and p99 (hey)
#   the proxy's resident memory while 200 MB stream through it (aim < 30 MB)
# Runs inside a private keyring (.ci/with-keyring). Usage: benches/proxy.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-${BENCH_RUNS:-500}}

if [ "${SFKEY_TEST_KEYRING:-}" != 1 ]; then
  exec .ci/with-keyring bash benches/proxy.sh "$requests"
fi
command -v curl >/dev/null || { echo "bench: curl is missing (apt-get install curl)" >&2; exit 1; }
command -v hey >/dev/null || { echo "bench: hey is missing (apt-get install hey)" >&2; exit 1; }

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/sfkey"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "bench: $1 stayed empty" >&2; exit 1; }

"$bin" fake-server --client-id bench-client >"$work/url" &
pids+=($!)
wait_for "$work/url"
fake=$(head -n1 "$work/url")
export SFKEY_CONFIG_DIR="$work/config" SFKEY_LOG=off
printf '\nbench-refresh-token\n' | "$bin" add bench --login-url "$fake" --client-id bench-client
access=$("$bin" token bench)

"$bin" proxy bench --port 0 >"$work/proxy" 2>"$work/proxy.err" &
proxy_pid=$!
pids+=($proxy_pid)
for _ in $(seq 1 100); do grep -q SF_ACCESS_TOKEN "$work/proxy" 2>/dev/null && break; sleep 0.05; done
proxy_url=$(sed -n "s/^export SF_INSTANCE_URL='\(.*\)'$/\1/p" "$work/proxy")
proxy_token=$(sed -n "s/^export SF_ACCESS_TOKEN='\(.*\)'$/\1/p" "$work/proxy")
[ -n "$proxy_url" ] && [ -n "$proxy_token" ] || { echo "bench: the proxy did not start:" >&2; cat "$work/proxy.err" >&2; exit 1; }
resource=/services/data/v62.0/query?q=SELECT+Id+FROM+Organization

# Median time_total in microseconds of $requests GETs on one kept-alive connection (curl reuses
# it across the URLs of one invocation); the first request, which connects, is left out.
median_keepalive_us() {
  local base=$1 token=$2 urls=()
  # -o applies to one URL: each gets its own.
  for _ in $(seq 0 "$requests"); do urls+=(-o /dev/null "$base$resource"); done
  curl -sf -H "Authorization: Bearer $token" -w '%{time_total}\n' "${urls[@]}" \
    | tail -n +2 | sort -n | awk '{a[NR]=$1} END {printf "%d\n", a[int((NR+1)/2)] * 1000000}'
}

direct_us=$(median_keepalive_us "$fake" "$access")
proxied_us=$(median_keepalive_us "$proxy_url" "$proxy_token")

# 1,000 requests over 50 connections; the same straight to the fake, for comparison.
hey_run() {
  hey -n 1000 -c 50 -H "Authorization: Bearer $2" "$1$resource" >"$work/hey"
  awk '/^Status code distribution:/ {m = "s"; next} /^Error distribution:/ {m = "e"; next}
    m != "" && /\[[0-9]+\]/ {c = $1; gsub(/[][]/, "", c); if (m == "s" && c != 200) e += $2; if (m == "e") e += c}
    /99% in/ {p99 = $3 * 1000} /Requests\/sec:/ {rps = $2}
    END {printf "%d %.2f %d\n", e + 0, p99, rps}' "$work/hey"
}
read -r errors p99 rps < <(hey_run "$proxy_url" "$proxy_token")
read -r direct_errors direct_p99 direct_rps < <(hey_run "$fake" "$access")

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$proxy_pid/status"; }
rss_before=$(rss_kb)
curl -sf -H "Authorization: Bearer $proxy_token" -o /dev/null \
  "$proxy_url/services/data/v62.0/fake/large?bytes=$((200 * 1024 * 1024))" &
curl_pid=$!
rss_max=$rss_before
while kill -0 "$curl_pid" 2>/dev/null; do
  now=$(rss_kb); [ "$now" -gt "$rss_max" ] && rss_max=$now
  sleep 0.02
done
wait "$curl_pid"

awk -v d="$direct_us" -v p="$proxied_us" -v n="$requests" -v e="$errors" -v p99="$p99" -v rps="$rps" \
    -v de="$direct_errors" -v dp99="$direct_p99" -v drps="$direct_rps" \
    -v rb="$rss_before" -v rm="$rss_max" 'BEGIN {
  printf "keep-alive GETs: %d each way (medians)\n", n
  printf "straight to the fake: %7.3f ms\n", d / 1000
  printf "through the proxy:    %7.3f ms   added %.3f ms (aim < 0.3 ms) %s\n", p / 1000, (p - d) / 1000, ((p - d) < 300 ? "ok" : "OVER")
  printf "1000 requests over 50 connections: %d errors, p99 %.2f ms, %d requests/s %s\n", e, p99, rps, (e == 0 ? "ok" : "ERRORS")
  printf "  the same straight to the fake:    %d errors, p99 %.2f ms, %d requests/s\n", de, dp99, drps
  printf "proxy RSS streaming 200 MB: %.1f MB before, %.1f MB at most (aim < 30 MB) %s\n", rb / 1024, rm / 1024, (rm < 30 * 1024 ? "ok" : "OVER")
}'
