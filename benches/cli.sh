#!/usr/bin/env bash
# Whole-process timings:
#   sfkey refresh  vs  curl doing the same POST to the same plain Python server (aim: within
#     1.15x); the same pair against the fake Salesforce, for comparison
#   sfkey token with a stored token: Secret Service (aim: under 3 ms), unlocked file backend (under 5 ms)
# The aim's ratio is taken against the plain server: a server that does more per request (the
# fake signs its answer, gzips it and sends it chunked) adds the same time to both clients and
# so flatters the ratio.
# The commands are timed in rounds, one run of each per round, so a change in the machine's
# load touches them all alike and the ratios stay fair.
# Runs inside a private keyring (.ci/with-keyring). Usage: benches/cli.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-${BENCH_RUNS:-40}}

if [ "${SFKEY_TEST_KEYRING:-}" != 1 ]; then
  exec .ci/with-keyring bash benches/cli.sh "$runs"
fi
command -v curl >/dev/null || { echo "bench: curl is missing (apt-get install curl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is missing (apt-get install python3)" >&2; exit 1; }

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
printf '\nbench-refresh-token\n' | "$bin" add bench --login-url "$url" --client-id bench-client >/dev/null

# The same org on the encrypted file backend, in its own config dir.
file_dir="$work/config-file"
file_env=(env SFKEY_KEYRING=file SFKEY_FILE_PASSPHRASE=bench-passphrase SFKEY_CONFIG_DIR="$file_dir")
printf '\nbench-refresh-token\n' | "${file_env[@]}" "$bin" add bench --login-url "$url" --client-id bench-client >/dev/null

# A plain Python HTTP server (one thread, Content-Length, no gzip): curl's time against it is
# what a server adding nothing costs; curl against the fake should take about the same.
py_url=""
if command -v python3 >/dev/null; then
  cat >"$work/plain.py" <<'PY'
import http.server
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
  for _ in $(seq 1 100); do [ -s "$work/py-port" ] && break; sleep 0.05; done
  py_url="http://127.0.0.1:$(head -n1 "$work/py-port")"
  # The same org, pointed at the plain server (which accepts any refresh token).
  printf '\nbench-refresh-token\n' | "$bin" add plain --login-url "$py_url" --client-id bench-client >/dev/null
fi

# The clock: each command is started with posix_spawn from a small Python timer, not from
# bash, whose fork of itself (about 0.5 ms here) was timed with every command. The rounds are
# interleaved, one run of each command per round. Before that, `$(date +%s%N)` had timed the
# second `date`'s own start-up with every command.
cat >"$work/timer.py" <<'PY'
import os, sys, time
runs, work, bin_, url, py_url, file_dir = sys.argv[1:7]
curl = ["curl", "-sf", "-X", "POST", "--compressed", "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "--data-urlencode", "grant_type=refresh_token", "--data-urlencode", "client_id=bench-client",
        "--data-urlencode", "refresh_token=bench-refresh-token"]
env = dict(os.environ)
# The first file-backend call derives the file's key and caches it in the session keyring
# (the warm-up run below), so the timed calls are the unlocked case.
file_env = dict(env, SFKEY_KEYRING="file", SFKEY_FILE_PASSPHRASE="bench-passphrase",
                SFKEY_CONFIG_DIR=file_dir)
commands = []
if py_url:
    commands += [("curl_plain", curl + [py_url + "/services/oauth2/token"], env),
                 ("sfkey_refresh_plain", [bin_, "refresh", "plain"], env)]
commands += [("curl_fake", curl + [url + "/services/oauth2/token"], env),
             ("sfkey_refresh", [bin_, "refresh", "bench"], env),
             ("sfkey_token", [bin_, "token", "bench"], env),
             ("sfkey_token_file", [bin_, "token", "bench"], file_env)]
null = os.open(os.devnull, os.O_WRONLY)
err_path = os.path.join(work, "err")
def run(name, argv, env):
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    took = time.perf_counter_ns() - start
    os.close(err)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(f"bench: {name} failed:\n" + open(err_path).read())
        sys.exit(1)
    return took // 1000
# One warm-up run of each; a failing run stops the benchmark, so a broken build is never timed.
for name, argv, e in commands:
    run(name, argv, e)
times = {name: [] for name, _, _ in commands}
for _ in range(int(runs)):
    for name, argv, e in commands:
        times[name].append(run(name, argv, e))
for name, values in times.items():
    with open(os.path.join(work, name + ".us"), "w") as f:
        f.write("".join(f"{v}\n" for v in values))
PY
python3 "$work/timer.py" "$runs" "$work" "$bin" "$url" "$py_url" "$file_dir"
median_us() { sort -n "$work/$1.us" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
"${file_env[@]}" "$bin" lock >/dev/null

py_us=0
py_refresh_us=0
[ -n "$py_url" ] && py_us=$(median_us curl_plain) && py_refresh_us=$(median_us sfkey_refresh_plain)
awk -v c="$(median_us curl_fake)" -v r="$(median_us sfkey_refresh)" -v t="$(median_us sfkey_token)" \
  -v f="$(median_us sfkey_token_file)" -v p="$py_us" -v pr="$py_refresh_us" -v n="$runs" 'BEGIN {
  printf "runs per command: %d (medians, whole process, timed in interleaved rounds)\n", n
  if (p > 0) {
    printf "curl POST, plain Python server: %8.2f ms\n", p / 1000
    printf "sfkey refresh, same server:     %8.2f ms   ratio to curl %.2fx (aim <= 1.15x) %s\n", pr / 1000, pr / p, (pr / p <= 1.15 ? "ok" : "OVER")
  }
  printf "curl POST, fake Salesforce:     %8.2f ms", c / 1000
  if (p > 0) printf "   (%.2fx curl against the plain server)", c / p
  printf "\n"
  aim = (p > 0) ? "" : sprintf(" (aim <= 1.15x) %s", (r / c <= 1.15 ? "ok" : "OVER"))
  printf "sfkey refresh, fake Salesforce: %8.2f ms   ratio to curl %.2fx%s\n", r / 1000, r / c, aim
  printf "sfkey token, Secret Service:    %8.2f ms   (aim < 3 ms) %s\n", t / 1000, (t < 3000 ? "ok" : "OVER")
  printf "sfkey token, file (unlocked):   %8.2f ms   (aim < 5 ms) %s\n", f / 1000, (f < 5000 ? "ok" : "OVER")
}'
