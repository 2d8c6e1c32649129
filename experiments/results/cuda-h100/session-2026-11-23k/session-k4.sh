#!/usr/bin/env bash
# Session k, call 4: weights loaded ahead into registers/shared memory (before the PDL wait) against weights prefetched
# one kernel ahead into L2 only and loaded after the wait (-Dbaton.cuda.diagLateWeights), head-cluster path,
# qwen3-0.6b batch 1; timelines with marks of the L2-only variants.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
HC="-Dbaton.cuda.headCluster=true"
LATE="-Dbaton.cuda.diagLateWeights=true"
NOPF="-Dbaton.cuda.l2Prefetch=false"
VARIANTS="op=-Dbaton.cuda.headCluster=false;reg=$HC $NOPF;l2late=$HC $LATE;both=$HC;late=$HC $NOPF $LATE;l2late2=$HC $LATE;reg2=$HC $NOPF" \
  SHAPES='qwen3-0.6b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
for v in "l2late=$HC $LATE -Dbaton.cuda.diagMarks=true" "late=$HC $LATE $NOPF -Dbaton.cuda.diagMarks=true"; do
  BATON_JAVA_OPTS="${v#*=}" timeout 100 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
    --config $FX/hub-configs/qwen3-0.6b.json --batch 1 --prefill 512 --graphs on --no-profile --timeline \
    --json "$OUT/tl-${v%%=*}.json" > "$OUT/timeline-${v%%=*}.txt" 2>&1
done
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "^== variant|^ +1 +on |rror|exit code [^0]" "$OUT/ab.txt"
for f in "$OUT"/timeline-*.txt; do echo "== $f"; grep -E "^ +1 +on " "$f"; grep -A17 "graphs on:" "$f"; done
