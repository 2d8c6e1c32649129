#!/usr/bin/env bash
# Session h, call 1: the tensor-core GEMV (gemv_mma.cuh) for 3-16 decode rows. Correctness: the 32 random batched
# requests (tiny model, decode batches of 3-16) and real widths with 12/5/3-row decode steps, CUDA vs CPU. Timing:
# batches 4, 8, 16 with it and with cuBLAS (-Dbaton.cuda.gemvMmaMin=17), alternating; a timeline at batch 8.
set -uo pipefail
export OUT="${OUT:?}"
STAGES=none CARRY=.carry/cuda-final deploy/bundle/gpu-check.sh > "$OUT/unpack.txt" 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
timeout 240 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,fixtures,greedy,text,fused --json "$OUT/check.json" > "$OUT/check.txt" 2>&1
echo "check exit $?" >> "$OUT/check.txt"
VARIANTS='mma=;cublas=-Dbaton.cuda.gemvMmaMin=17;mma2=;cublas2=-Dbaton.cuda.gemvMmaMin=17' \
  SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=150 \
  BENCH_ARGS='--batch 4,8,16 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
timeout 90 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand --config $FX/hub-configs/qwen3-0.6b.json \
    --batch 8 --prefill 512 --graphs on --timeline --json /tmp/tl-b8.json > "$OUT/timeline-b8.txt" 2>&1
cp /tmp/tl-*.json "$OUT/" 2>/dev/null
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "FAIL|worst|exit" "$OUT/check.txt" | head -40
grep -E "^== variant|^==|^ +(4|8|16) +on " "$OUT/ab.txt"
grep -B2 -A14 "graphs on:" "$OUT/timeline-b8.txt"
