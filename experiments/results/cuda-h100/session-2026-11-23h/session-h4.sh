#!/usr/bin/env bash
# Session h, call 4 (final): the acceptance run with the tensor-core GEMV as the default for 2-16 rows (nogpu, checks,
# engine bench at batches 1-128 beside the gpt-fast peer), then the tensor-core GEMV against cuBLAS at 2-16 rows.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final CHECK_TIMEOUT=240 BENCH_TIMEOUT=330 PEER_TIMEOUT=240 STAGES=nogpu,check,bench,peer \
  BATCH=1,2,4,8,16,32,128 deploy/bundle/gpu-check.sh > /dev/null 2>&1
VARIANTS='mma=;cublas=-Dbaton.cuda.gemvMmaMin=17;mma2=;cublas2=-Dbaton.cuda.gemvMmaMin=17' \
  SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=150 \
  BENCH_ARGS='--batch 2,4,8,16 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|worst|near-tie \(" "$OUT/log.txt" | head -40
grep -E "^\| (1|2|4|8|16|32|128) \| on" "$OUT/summary.md"
grep -E "^\| (512|2048|8192) \|" "$OUT/summary.md"
grep -E "^== variant|^== |^ +(2|4|8|16) +on " "$OUT/ab.txt"
