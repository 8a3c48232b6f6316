#!/usr/bin/env bash
# Whole-process timings against one local fake Salesforce:
#   sfkey refresh  vs  curl doing the same POST (aim: within 1.15x)
#   sfkey token with a stored token: Secret Service (aim: under 3 ms), unlocked file backend (under 5 ms)
#   curl against a plain Python server, to show the fake adds no time of its own to the baseline
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
py_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$py_pid" ] && kill "$py_pid" 2>/dev/null
  rm -rf "$work"
}
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

# The same org on the encrypted file backend; the first call derives the key and caches it in
# the session keyring, so the timed calls are the unlocked case.
export SFKEY_KEYRING=file SFKEY_FILE_PASSPHRASE=bench-passphrase
export SFKEY_CONFIG_DIR="$work/config-file"
printf '\nbench-refresh-token\n' | "$bin" add bench --login-url "$url" --client-id bench-client
"$bin" token bench >/dev/null
file_token_us=$(median_us "$bin" token bench)
"$bin" lock >/dev/null
unset SFKEY_KEYRING SFKEY_FILE_PASSPHRASE

# A plain Python HTTP server (one thread, Content-Length, no gzip): curl's time against it is
# what a server adding nothing costs; curl against the fake should be about the same.
py_us=0
if command -v python3 >/dev/null; then
  cat >"$work/plain.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"access_token":"00Dbench!x","instance_url":"http://127.0.0.1","token_type":"Bearer"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
  python3 "$work/plain.py" >"$work/py-port" &
  py_pid=$!
  for _ in $(seq 1 50); do [ -s "$work/py-port" ] && break; sleep 0.05; done
  py_url="http://127.0.0.1:$(head -n1 "$work/py-port")"
  curl_plain() {
    curl -sf -X POST --compressed -H 'Content-Type: application/x-www-form-urlencoded' \
      --data-urlencode grant_type=refresh_token --data-urlencode client_id=bench-client \
      --data-urlencode refresh_token=bench-refresh-token "$py_url/services/oauth2/token"
  }
  py_us=$(median_us curl_plain)
fi

awk -v c="$curl_us" -v r="$refresh_us" -v t="$token_us" -v f="$file_token_us" -v p="$py_us" -v n="$runs" 'BEGIN {
  printf "runs per command: %d (medians, whole process)\n", n
  if (p > 0) printf "curl POST, plain Python server: %8.2f ms   (the fake as baseline: %.2fx of it)\n", p / 1000, c / p
  printf "curl POST, fake Salesforce:     %8.2f ms\n", c / 1000
  printf "sfkey refresh:                  %8.2f ms   ratio to curl %.2fx (aim <= 1.15x) %s\n", r / 1000, r / c, (r / c <= 1.15 ? "ok" : "OVER")
  printf "sfkey token, Secret Service:    %8.2f ms   (aim < 3 ms) %s\n", t / 1000, (t < 3000 ? "ok" : "OVER")
  printf "sfkey token, file (unlocked):   %8.2f ms   (aim < 5 ms) %s\n", f / 1000, (f < 5000 ? "ok" : "OVER")
}'
