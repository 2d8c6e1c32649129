#!/usr/bin/env bash
# Session j, call 1: the head-cluster attention block (HeadClusterDecode, head_cluster_attention.cuh) for one-token
# decode. Check against the CPU (cuda-check's fused section: qwen3-0.6b, qwen2.5-0.5b, llama-3.2-1b where it is not
# taken), then batch-1 decode with it and without it (two rounds), then the kernel timeline of qwen3-0.6b with it.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
nvidia-smi --query-gpu=name --format=csv,noheader > "$OUT/check.txt"
timeout 200 $B/run-class ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
    --skip trace,fixtures,greedy,text,batch,shapes --fused-shapes qwen3-0.6b:3,qwen2.5-0.5b:2,llama-3.2-1b:2 \
    --json "$OUT/check.json" >> "$OUT/check.txt" 2>&1
echo "check exit $?" >> "$OUT/check.txt"
VARIANTS='hc=;op=-Dbaton.cuda.headCluster=false;hc2=;op2=-Dbaton.cuda.headCluster=false' SHAPES='qwen3-0.6b qwen2.5-0.5b' AB_TIMEOUT=120 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
timeout 120 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand --config $FX/hub-configs/qwen3-0.6b.json --batch 1 \
  --prefill 512 --graphs on --no-profile --timeline --json "$OUT/tl.json" > "$OUT/timeline.txt" 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
cat "$OUT/check.txt" | grep -v "^WARN" | tail -20
grep -E "^== variant|^== |^ +1 +on |rror|exit code" "$OUT/ab.txt"
grep -A14 "graphs on:" "$OUT/timeline.txt"
