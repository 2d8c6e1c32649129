#!/usr/bin/env bash
# Session k, call 2: is the head-cluster chain bound by DRAM at all? Batch-1 decode of qwen3-0.6b with every layer on
# the first layer's weights (diagnostics: they stay in L2), with and without the L2 prefetch, beside the real thing;
# timelines of the diagnostic and of the prefetching path.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
HC=-Dbaton.cuda.headCluster=true
VARIANTS="op=-Dbaton.cuda.headCluster=false;hcpf=$HC;hcnopf=$HC -Dbaton.cuda.l2Prefetch=false;one=$HC -Dbaton.cuda.diagOneLayerWeights=true -Dbaton.cuda.l2Prefetch=false;onepf=$HC -Dbaton.cuda.diagOneLayerWeights=true" \
  SHAPES='qwen3-0.6b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
for v in "one=$HC -Dbaton.cuda.diagOneLayerWeights=true -Dbaton.cuda.l2Prefetch=false" "hcpf=$HC"; do
  BATON_JAVA_OPTS="${v#*=}" timeout 100 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
    --config $FX/hub-configs/qwen3-0.6b.json --batch 1 --prefill 512 --graphs on --no-profile --timeline \
    --json "$OUT/tl-${v%%=*}.json" > "$OUT/timeline-${v%%=*}.txt" 2>&1
done
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "^== variant|^ +1 +on |rror|exit code [^0]" "$OUT/ab.txt"
for f in "$OUT"/timeline-*.txt; do echo "== $f"; grep -A10 "graphs on:" "$f"; done
