#!/usr/bin/env bash
# Session k, call 1: every one-token kernel of HeadClusterDecode prefetches the next kernel's weights into L2
# (l2_prefetch, common.cuh). Check against the CPU (fused section), then batch-1 decode: op by op, head-cluster with
# and without the prefetch, on qwen3-0.6b and qwen2.5-0.5b; then the timeline of qwen3-0.6b with it.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
nvidia-smi --query-gpu=name --format=csv,noheader > "$OUT/check.txt"
timeout 150 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,fixtures,greedy,text,batch,shapes --fused-shapes qwen3-0.6b:3,qwen2.5-0.5b:2 \
    --json "$OUT/check.json" >> "$OUT/check.txt" 2>&1
echo "check exit $?" >> "$OUT/check.txt"
VARIANTS='op=-Dbaton.cuda.headCluster=false;hcpf=-Dbaton.cuda.headCluster=true;hcnopf=-Dbaton.cuda.headCluster=true -Dbaton.cuda.l2Prefetch=false;hcpf2=-Dbaton.cuda.headCluster=true' \
  SHAPES='qwen3-0.6b qwen2.5-0.5b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
BATON_JAVA_OPTS=-Dbaton.cuda.headCluster=true timeout 100 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
  --config $FX/hub-configs/qwen3-0.6b.json --batch 1 --prefill 512 --graphs on --no-profile --timeline \
  --json "$OUT/tl.json" > "$OUT/timeline.txt" 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -v "^WARN" "$OUT/check.txt" | tail -16
grep -E "^== variant|^ +1 +on |rror|exit code [^0]" "$OUT/ab.txt"
grep -A14 "graphs on:" "$OUT/timeline.txt"
