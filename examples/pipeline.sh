#!/usr/bin/env bash
# The whole ood pipeline on the bundled digits classifier:
#   install → build → enable → evaluate → prepare → introspect → verify → push (local OCI registry) → ls
#   → export triton (model repository) → deploy kserve (InferenceService)
# Rerunnable: outputs go to .cache/demo (or $OOD_DEMO_OUT) and are replaced each run.
# OOD_BIN=/path/to/ood runs an installed ood (e.g. from the packed tarball) instead of building this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${OOD_BIN:-}" ]; then
  ood() { "$OOD_BIN" "$@"; }
  ood_exec() { exec "$OOD_BIN" "$@"; }
else
  if [ ! -d node_modules/onnxruntime-node ]; then npm ci --no-audit --no-fund; fi
  npm run --silent build
  ood() { node dist/src/cli/main.js "$@"; }
  ood_exec() { exec node dist/src/cli/main.js "$@"; }
fi
# One commit, one digest: pin the artifact's timestamps to the commit's time (or to 0 outside a git checkout).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
OUT="${OOD_DEMO_OUT:-.cache/demo}"
PORT="${PORT:-0}"
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

D=examples/digits/data

step "enable: add ood_scores, calibrated on the digits the model was trained on"
ood enable examples/digits/model.onnx -o "$OUT/digits-enabled.onnx" --data "$D/id_train.npy" --force

step "evaluate: held-out test digits against digits 8/9 (never seen), inverted digits and noise"
ood evaluate "$OUT/digits-enabled.onnx" --id "$D/calibration.npy" \
  --ood "$D/ood_heldout.npy" --ood "$D/ood_inverted.npy" --ood "$D/ood_noise.npy" \
  --html "$OUT/evaluation.html" --force --json > "$OUT/evaluation.json"
echo "report: $OUT/evaluation.html"

step "prepare: package the enabled model into a reproducible artifact"
ood prepare "$OUT/digits-enabled.onnx" -o "$OUT/digits.zip" \
  --sample examples/digits/sample.json --evaluation "$OUT/evaluation.json" \
  --labels examples/digits/labels.txt --name digits --model-version 1.0.0 --force

step "introspect: validate the artifact before anyone deploys it"
ood introspect "$OUT/digits.zip"

step "verify: serve it (port ${PORT}; 0 = any free port) and check real answers"
ood verify "$OUT/digits.zip" --port "$PORT"

step "serve + a DRUM client: curl -F X=@data.csv gives per-label probabilities and ood_scores"
(ood_exec serve "$OUT/digits.zip" --port "$PORT" --instances 1 >"$OUT/serve.log" 2>&1) &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q 'is ready\|failed to load' "$OUT/serve.log" && break; sleep 0.1; done
URL=$(sed -n 's/^ood serve: listening on //p' "$OUT/serve.log")
curl -sS -F X=@examples/digits/data.csv "$URL/predict/"
echo
kill "$SERVE_PID" && wait "$SERVE_PID" || true
trap - EXIT

step "push: store it in the local OCI registry (\${OOD_HOME:-~/.ood}/registry)"
# --force: a rerun after a new commit builds another artifact (new CREATED_AT), and moving a tag takes --force.
ood push "$OUT/digits.zip" digits:1.0 --force

step "ls: what the local registry holds"
ood ls digits

step "export triton: a Triton model repository with an explicit config.pbtxt"
ood export triton "$OUT/digits.zip" -o "$OUT/model-repository" --force
cat "$OUT/model-repository/digits/config.pbtxt"

step "deploy kserve: the InferenceService for that repository once it is copied to a volume (or a modelcar: docs/deploy.md)"
ood deploy kserve "$OUT/digits.zip" --storage-uri pvc://models/model-repository -o "$OUT/digits-inferenceservice.yaml" --force
cat "$OUT/digits-inferenceservice.yaml"
