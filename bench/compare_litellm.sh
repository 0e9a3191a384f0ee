#!/usr/bin/env bash
# Garde-fou side by side with LiteLLM Proxy (plain and with its Presidio guardrail), in one
# run of the shared harness (see ${GARDEFOU_SHARED:-../shared}/bench/litellm-anchor/results.md).
#
#   bench/compare_litellm.sh [--quick] [--workers N] [--analysis-workers N]
#
# Garde-fou runs with full guardrails: redaction with every recognizer, policy classification
# (default policy, quotas off so the load is not refused) and usage recording (SQLite).
# The harness is copied to bench/.anchor/ (the shared folder is read-only) and its own
# virtualenv is created there once. Prints the harness table; results.json lands in the
# harness's run folder, whose path is printed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
SHARED=${GARDEFOU_SHARED:-$ROOT/../shared}
ANCHOR_SRC=$SHARED/bench/litellm-anchor
ANCHOR=$ROOT/bench/.anchor
WORKERS=1
ANALYSIS_WORKERS=  # unset: the gateway's default (usable cores / workers)
HARNESS_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) WORKERS=$2; shift ;;
    --analysis-workers) ANALYSIS_WORKERS=$2; shift ;;
    *) HARNESS_ARGS+=("$1") ;;
  esac
  shift
done

[[ -d $ANCHOR_SRC ]] || { echo "harness not found at $ANCHOR_SRC (set GARDEFOU_SHARED)" >&2; exit 2; }
mkdir -p "$ANCHOR"
# Refresh the harness files but keep its virtualenv and logs.
(cd "$ANCHOR_SRC" && tar --exclude=.venv --exclude=logs -cf - .) | (cd "$ANCHOR" && tar -xf -)
chmod -R u+w "$ANCHOR"
[[ -x $ANCHOR/.venv/bin/python ]] || "$ANCHOR/setup.sh"

STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT
"$ROOT/.venv/bin/python" "$ROOT/bench/common.py" policy "$STATE/policies" bench
# The harness's masking check authenticates with its own master key: import it.
echo "sk-bench-master-key-0000" | GARDEFOU_STATE_DIR=$STATE "$ROOT/.venv/bin/gardefou" keys import \
  --org bench --team bench --role staff >/dev/null
# The key is the first line of the output; read without a pipe (no SIGPIPE under pipefail).
CREATED=$(GARDEFOU_STATE_DIR=$STATE "$ROOT/.venv/bin/gardefou" keys create --org bench --team bench --role staff)
KEY=${CREATED%%$'\n'*}

# Started by the harness (inside its network namespace) once FAKE_UPSTREAM_BASE* are exported.
# The fake upstream runs on this machine: it is declared self-hosted, so the note (which holds
# health data) may be routed to it under the default policy.
cat > "$STATE/start.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
cat > "$STATE/models.yaml" <<YAML
models:
  - {name: fake-gpt, litellm_model: openai/fake-gpt, api_base: "\$FAKE_UPSTREAM_BASE", hosting: self_hosted, retention: zero}
  - {name: fake-gpt-50ms, litellm_model: openai/fake-gpt, api_base: "\$FAKE_UPSTREAM_BASE_DELAY50", hosting: self_hosted, retention: zero}
YAML
export GARDEFOU_STATE_DIR=$STATE GARDEFOU_POLICIES_DIR=$STATE/policies \
  GARDEFOU_MODELS_FILE=$STATE/models.yaml GARDEFOU_PORT=15080 GARDEFOU_WORKERS=$WORKERS \
  GARDEFOU_LOG_LEVEL=warning
${ANALYSIS_WORKERS:+export GARDEFOU_ANALYSIS_WORKERS=$ANALYSIS_WORKERS}
exec "$ROOT/.venv/bin/gardefou" serve
SH
chmod +x "$STATE/start.sh"

# Keys are per organisation: the harness's requests must land in org "bench".
cd "$ANCHOR"
GW_NAME=gardefou GW_PORT=15080 GW_HEALTH=/readyz GW_KEY=$KEY GW_MASK=1 \
  GW_CMD="$STATE/start.sh" ./run.sh "${HARNESS_ARGS[@]}"
RUN=$(ls -td "$ANCHOR"/logs/run-* | head -1)
echo
"$ROOT/.venv/bin/python" "$ROOT/bench/fresh_targets.py" "$RUN/results.json"
echo "harness run folder: $RUN"
