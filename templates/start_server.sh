#!/bin/sh
# start_server.sh: the entrypoint DRUM's custom environments run (datarobot-user-models, DEFINE-INFERENCE-MODEL.md,
# "Building your own environment": an executable start_server.sh that starts a model server listening on port
# 8080; URL_PREFIX, set at run time, is read by `ood serve` and prefixes every DRUM route). KServe: a
# ServingRuntime's container args are appended to `ood serve`.
#
# It serves the artifact in the directory this script sits in (DRUM's /opt/code), unless OOD_ARTIFACT names
# another. `ood` comes from PATH, or OOD_CLI names ood's dist/src/cli/main.js to run with node. PORT moves the
# port (0 picks a free one), OOD_HOST the address (default 0.0.0.0: every interface, as a container needs).
set -eu
# defaults: the ood image writes its OOD_CLI and OOD_ARTIFACT here
here=$(cd "$(dirname "$0")" && pwd)
artifact=${OOD_ARTIFACT:-$here}
if [ -n "${OOD_CLI:-}" ]; then
  exec node "$OOD_CLI" serve "$artifact" --host "${OOD_HOST:-0.0.0.0}" --port "${PORT:-8080}" "$@"
fi
exec ood serve "$artifact" --host "${OOD_HOST:-0.0.0.0}" --port "${PORT:-8080}" "$@"
