#!/usr/bin/env bash
# Session i, call 1: the tensor-core GEMV for 17-32 rows (_m32 kernels). Checks: fixtures, 32 random batched requests,
# real widths with 24/12/5/3-row decode steps. Timing at batches 8, 16, 24, 32 with it and with cuBLAS above 16 rows
# (-Dbaton.cuda.gemvMmaMax=16), alternating; decode attention split to fill 8 blocks per SM instead of 2; a timeline
# of qwen3-0.6b at batch 32.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final CHECK_TIMEOUT=240 STAGES=nogpu,check deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
VARIANTS='m32=;m16=-Dbaton.cuda.gemvMmaMax=16;fill8=-Dbaton.cuda.attentionFill=8;m32b=;m16b=-Dbaton.cuda.gemvMmaMax=16' \
  SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=120 \
  BENCH_ARGS='--batch 8,16,24,32 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
timeout 60 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand --config $FX/hub-configs/qwen3-0.6b.json \
    --batch 32 --prefill 512 --graphs on --timeline --json /tmp/tl-b32.json > "$OUT/timeline-b32.txt" 2>&1
cp /tmp/tl-*.json "$OUT/" 2>/dev/null
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|differs|worst" "$OUT/log.txt" | head -60
grep -E "^== variant|^== |^ +(8|16|24|32) +on " "$OUT/ab.txt"
grep -A16 "graphs on:" "$OUT"/timeline-b32.txt
