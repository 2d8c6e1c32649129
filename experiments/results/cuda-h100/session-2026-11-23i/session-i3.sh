#!/usr/bin/env bash
# Session i, call 3 (the committed state: the 32-row GEMV and the pipelined attention removed, the NORM kernels'
# shared-memory opt-in fixed). All checks; real widths of llama-3.2-3b (hidden 3072, one layer), whose 8-row NORM
# GEMV asks for exactly 48 KB of dynamic shared memory plus 2 KB static (refused without the opt-in); batches 1, 8, 16
# of the three benchmark shapes and of llama-3.2-3b, two rounds.
set -uo pipefail
export OUT="${OUT:?}"
R=experiments/results/cuda-h100/session-2026-11-23i
CARRY=.carry/cuda-final CHECK_TIMEOUT=240 STAGES=nogpu,check deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
cp $R/llama-3.2-3b.json $FX/hub-configs/
timeout 200 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,fixtures,greedy,text,batch,fused --shapes llama-3.2-3b:1 --json "$OUT/check-3b.json" > "$OUT/check-3b.txt" 2>&1
echo "check (llama-3.2-3b) exit $?" >> "$OUT/check-3b.txt"
VARIANTS='default=;default2=' SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b llama-3.2-3b' AB_TIMEOUT=150 \
  BENCH_ARGS='--batch 1,8,16 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|differs|worst" "$OUT/log.txt" | head -60
grep -E "worst|FAIL|exit|rror" "$OUT/check-3b.txt"
grep -E "^== variant|^== |^ +(1|8|16) +on |rror" "$OUT/ab.txt"
