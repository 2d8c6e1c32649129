#!/usr/bin/env bash
# Session k, call 3: where the head-cluster layer's 27 us go. Timelines of qwen3-0.6b batch 1 with points inside the
# attention kernel and at the end of block 0 of each GEMV (-Dbaton.cuda.diagMarks), weights from DRAM and (diagnostic)
# all from the first layer, in L2.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
HC="-Dbaton.cuda.headCluster=true -Dbaton.cuda.diagMarks=true -Dbaton.cuda.l2Prefetch=false"
for v in "marks=$HC" "onemarks=$HC -Dbaton.cuda.diagOneLayerWeights=true"; do
  BATON_JAVA_OPTS="${v#*=}" timeout 100 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
    --config $FX/hub-configs/qwen3-0.6b.json --batch 1 --prefill 512 --graphs on --no-profile --timeline \
    --json "$OUT/tl-${v%%=*}.json" > "$OUT/timeline-${v%%=*}.txt" 2>&1
done
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
for f in "$OUT"/timeline-*.txt; do echo "== $f"; grep -E "^ +1 +on " "$f"; grep -A24 "graphs on:" "$f"; done
