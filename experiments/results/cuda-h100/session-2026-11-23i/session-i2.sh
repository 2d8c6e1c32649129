#!/usr/bin/env bash
# Session i, call 2: the _m32 GEMV after the shared-memory opt-in fix (a 24-row NORM launch asked for 48 KB dynamic +
# 8 KB static without it). Checks: 32 random batched requests and real widths (24/12/5/3-row decode steps). Timing at
# batches 1, 16, 24, 32: m32 with its norm prologue, m32 with the norm as its own kernel above 16 rows, cuBLAS above 16
# rows; decode attention with each warp's next pass of K/V loaded before the current one is folded in
# (-Dbaton.cuda.attentionPipeline=true); alternating, two rounds. Timelines of qwen3-0.6b at batch 32.
set -uo pipefail
export OUT="${OUT:?}"
STAGES=none CARRY=.carry/cuda-final deploy/bundle/gpu-check.sh > "$OUT/unpack.txt" 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
timeout 200 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,fixtures,greedy,text,fused --json "$OUT/check.json" > "$OUT/check.txt" 2>&1
echo "check exit $?" >> "$OUT/check.txt"
BATON_JAVA_OPTS=-Dbaton.cuda.attentionPipeline=true timeout 150 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand \
    --fixtures "$FX" --skip trace,fixtures,greedy,text,fused,batch --json "$OUT/check-pipe.json" > "$OUT/check-pipe.txt" 2>&1
echo "check (attention pipeline) exit $?" >> "$OUT/check-pipe.txt"
M16='-Dbaton.cuda.gemvMmaMax=16'; NN='-Dbaton.cuda.gemvNormMaxRows=16'; AP='-Dbaton.cuda.attentionPipeline=true'
VARIANTS="m32=;cublas=$M16;m32nn=$NN;pipe=$AP;m32b=;cublasb=$M16;m32nnb=$NN;pipeb=$AP" \
  SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=120 \
  BENCH_ARGS='--batch 1,8,16,32,128 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
for v in "m32=" "m32nn=$NN" "pipe=$AP"; do
  BATON_JAVA_OPTS="${v#*=}" timeout 60 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
    --config $FX/hub-configs/qwen3-0.6b.json --batch 32 --prefill 512 --graphs on --timeline \
    --json /tmp/tl-b32-${v%%=*}.json > "$OUT/timeline-b32-${v%%=*}.txt" 2>&1
done
cp /tmp/tl-*.json "$OUT/" 2>/dev/null
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "FAIL|worst|exit|rror" "$OUT/check.txt" "$OUT/check-pipe.txt" | head -60
grep -E "^== variant|^== |^ +(1|8|16|32|128) +on |rror" "$OUT/ab.txt"
grep -A9 "graphs on:" "$OUT"/timeline-b32-*.txt
