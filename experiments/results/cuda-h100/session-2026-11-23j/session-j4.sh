#!/usr/bin/env bash
# Session j, call 4 (the state to commit: head-cluster layers on by default for GQA groups above 2). Every
# cuda-check section; batch-1 and batch-8 decode of qwen3-0.6b and qwen2.5-0.5b with the default, with the
# head-cluster path off and forced on, two rounds; qwen2.5-0.5b at 2048 cached keys; its batch-1 timeline.
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final CHECK_TIMEOUT=260 STAGES=nogpu,check deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
VARIANTS='default=;off=-Dbaton.cuda.headCluster=false;on=-Dbaton.cuda.headCluster=true;default2=;off2=-Dbaton.cuda.headCluster=false;on2=-Dbaton.cuda.headCluster=true' \
  SHAPES='qwen3-0.6b qwen2.5-0.5b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1,8 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
mv "$OUT/ab.txt" "$OUT/ab-512.txt"
VARIANTS='default=;off=-Dbaton.cuda.headCluster=false' SHAPES='qwen2.5-0.5b' AB_TIMEOUT=100 \
  BENCH_ARGS='--batch 1 --prefill 512 --context 2048 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
mv "$OUT/ab.txt" "$OUT/ab-2048.txt"
timeout 100 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand --config $FX/hub-configs/qwen2.5-0.5b.json --batch 1 \
  --prefill 512 --graphs on --no-profile --timeline --json "$OUT/tl.json" > "$OUT/timeline-qwen2.5.txt" 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|worst|head_cluster|rror" "$OUT/log.txt" | head -40
grep -E "^== variant|^== |^ +(1|8) +on |rror|exit code [^0]" "$OUT/ab-512.txt" "$OUT/ab-2048.txt"
grep -A10 "graphs on:" "$OUT/timeline-qwen2.5.txt"
