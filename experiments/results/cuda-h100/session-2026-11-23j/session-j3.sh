#!/usr/bin/env bash
# Session j, call 3: early PDL triggers in the head-cluster chain (temporary mask -Dbaton.cuda.earlyTrigger: 1 the
# attention kernel, 2 the norm GEMVs, 4 the residual GEMVs), batch-1 decode and timelines.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final STAGES=none deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
VARIANTS='hc=;op=-Dbaton.cuda.headCluster=false;e4=-Dbaton.cuda.earlyTrigger=4;e1=-Dbaton.cuda.earlyTrigger=1;e5=-Dbaton.cuda.earlyTrigger=5;e7=-Dbaton.cuda.earlyTrigger=7;e6=-Dbaton.cuda.earlyTrigger=6;hc2=;op2=-Dbaton.cuda.headCluster=false' SHAPES='qwen3-0.6b qwen2.5-0.5b' AB_TIMEOUT=120 \
  BENCH_ARGS='--batch 1 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
for m in 4 5; do
BATON_JAVA_OPTS=-Dbaton.cuda.earlyTrigger=$m timeout 120 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand --config $FX/hub-configs/qwen3-0.6b.json --batch 1 \
  --prefill 512 --graphs on --no-profile --timeline --json "$OUT/tl$m.json" > "$OUT/timeline-e$m.txt" 2>&1
done
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "^== variant|^ +1 +on |rror|exit code [^0]" "$OUT/ab.txt"
grep -A8 "graphs on:" "$OUT"/timeline-e*.txt
