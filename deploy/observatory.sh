#!/usr/bin/env bash
# MDN HTTP Observatory 1.4.8 against this deployment, offline: nginx with
# deploy/nginx/btob.conf on ports 80 and 443 of this machine's loopback, in front
# of the web unit's gunicorn (DEBUG=0, HTTPS_ONLY=1; tests/deploy/stack.py), with
# a throw-away CA; the scanner, installed without its download scripts and with
# an empty HSTS preload list, scans "localhost". Needs root (ports 80 and 443),
# nginx, openssl, node and npm. Prints the grade, the score and each test.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
stack=""
cleanup() {
  if [ -n "$stack" ]; then kill -TERM "$stack" 2>/dev/null || true; wait "$stack" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

npm install --prefix "$work/observatory" --ignore-scripts --no-audit --no-fund --silent \
  @mdn/mdn-http-observatory@1.4.8 2>/dev/null
scanner="$work/observatory/node_modules/@mdn/mdn-http-observatory"
echo '{}' >"$scanner/conf/hsts-preload.json"

.venv/bin/python -m tests.deploy.stack --http-port 80 --https-port 443 "$work/stack" \
  >"$work/stack.log" 2>&1 &
stack=$!
for _ in $(seq 600); do
  grep -q '^ready' "$work/stack.log" && break
  kill -0 "$stack" 2>/dev/null || { cat "$work/stack.log"; exit 1; }
  sleep 0.5
done
grep -q '^ready' "$work/stack.log" || { echo "the deployment did not start"; exit 1; }

NODE_EXTRA_CA_CERTS="$work/stack/ca.pem" timeout 120 node "$scanner/src/scan.js" localhost \
  >"$work/result.json"
python3 - "$work/result.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
if "error" in result:
    sys.exit(f"The scan failed: {result['error']}")
scan = result["scan"]
print(f"Grade {scan['grade']}, score {scan['score']}, "
      f"{scan['testsPassed']} of {scan['testsQuantity']} tests passed")
for name, test in result["tests"].items():
    print(f"  {'pass' if test['pass'] else 'FAIL'} {test['scoreModifier']:+4d} "
          f"{name}: {test['result']}")
PY
