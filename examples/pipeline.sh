#!/usr/bin/env bash
# The whole ood pipeline on the bundled digits classifier:
#   install → build → enable → prepare → introspect → verify → push (local OCI registry) → ls
# Rerunnable: outputs go to .cache/demo and are replaced each run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/onnxruntime-node ]; then npm ci --no-audit --no-fund; fi
npm run --silent build

ood() { node dist/src/cli/main.js "$@"; }
OUT=.cache/demo
PORT="${PORT:-8080}"
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "enable: add ood_scores, calibrated on in-distribution digits"
ood enable examples/digits/model.onnx -o "$OUT/digits-enabled.onnx" \
  --data examples/digits/data/calibration.npy --force

step "prepare: package the enabled model into a reproducible artifact"
ood prepare "$OUT/digits-enabled.onnx" -o "$OUT/digits.zip" \
  --sample examples/digits/sample.json --name digits --model-version 1.0.0 --force

step "introspect: validate the artifact before anyone deploys it"
ood introspect "$OUT/digits.zip"

step "verify: serve it on port $PORT and check real answers"
ood verify "$OUT/digits.zip" --port "$PORT"

step "push: store it in the local OCI registry (\${OOD_HOME:-~/.ood}/registry)"
ood push "$OUT/digits.zip" digits:1.0.0

step "ls: what the local registry holds"
ood ls digits
