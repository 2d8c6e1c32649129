#!/usr/bin/env bash
# Session j, call 5: after moving the key loop and the cluster merge into helpers shared by decode_rope_attention and
# head_cluster_attention (no change in math): cuda-check's fused and real-width sections, batch-1 decode.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
timeout 200 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,greedy,text,batch --shapes qwen3-0.6b:2 --fused-shapes qwen3-0.6b:3,qwen2.5-0.5b:2 \
    --json "$OUT/check.json" > "$OUT/check.txt" 2>&1
echo "check exit $?" >> "$OUT/check.txt"
VARIANTS='default=;off=-Dbaton.cuda.headCluster=false' SHAPES='qwen3-0.6b qwen2.5-0.5b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "ok|FAIL|rel L2|checks|exit" "$OUT/check.txt" | grep -v "^WARN" | tail -14
grep -E "^== variant|^ +1 +on |rror|exit code [^0]" "$OUT/ab.txt"
