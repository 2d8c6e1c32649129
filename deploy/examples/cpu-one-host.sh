#!/usr/bin/env bash
# A whole P:D 1:1 cluster on one CPU host, each role in its own process (as on separate hosts), for trying the
# example configs without GPUs: router on :8000, prefill TP 2 -> decode TP 1 (the KV is head-sliced on the way).
#   deploy/examples/cpu-one-host.sh MODEL_DIR        (Ctrl-C stops all three)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:?model directory, e.g. ../shared/fixtures/qwen3-text-tiny}"
COMMON=(--model "$MODEL" --backend cpu --router 127.0.0.1:50051 --bind-host 127.0.0.1 --advertise-host 127.0.0.1 --kv-blocks 1024 --threads 1)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
"$ROOT/baton" router --model "$MODEL" --host 127.0.0.1 --port 8000 --registry-port 50051 & pids+=($!)
"$ROOT/baton" prefill-node "${COMMON[@]}" --tp 2 --port 50061 --metrics-port 9161 & pids+=($!)
"$ROOT/baton" decode-node "${COMMON[@]}" --tp 1 --port 50071 --metrics-port 9171 & pids+=($!)
wait -n
