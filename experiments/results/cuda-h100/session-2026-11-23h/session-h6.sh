#!/usr/bin/env bash
# Session h, call 7 (after the review): the strided GEMV built for one token only; checks and batches 1, 8, 16 again.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final CHECK_TIMEOUT=240 STAGES=nogpu,check deploy/bundle/gpu-check.sh > /dev/null 2>&1
VARIANTS='default=;default2=' SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=150 \
  BENCH_ARGS='--batch 1,8,16 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|differs|worst" "$OUT/log.txt" | head -60
grep -E "^== variant|^== |^ +(1|8|16) +on " "$OUT/ab.txt"
