#!/usr/bin/env bash
# Session h, call 3: the tensor-core GEMV from 2 rows (default now), 8 vs 12 chunks per lane, and where cuBLAS still
# wins above 8 rows (per-op profile of llama-3.1-8b and llama-3.2-1b at batch 16, mma vs cuBLAS).
set -uo pipefail
export OUT="${OUT:?}"
STAGES=none CARRY=.carry/cuda-final deploy/bundle/gpu-check.sh > "$OUT/unpack.txt" 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
V='mma=;c12=-Dbaton.cuda.gemvMmaChunks=12;wide64=-Dbaton.cuda.gemvMmaWideMaxMiB=64;cublas16=-Dbaton.cuda.gemvMmaMax=8'
VARIANTS="$V;mma2=;c12b=-Dbaton.cuda.gemvMmaChunks=12;wide64b=-Dbaton.cuda.gemvMmaWideMaxMiB=64;cublas16b=-Dbaton.cuda.gemvMmaMax=8" \
  SHAPES='qwen3-0.6b llama-3.2-1b llama-3.1-8b' AB_TIMEOUT=150 \
  BENCH_ARGS='--batch 2,8,16 --prefill 512 --graphs on --no-profile --decode-steps 64' deploy/bundle/gpu-ab.sh > /dev/null 2>&1
for opt in mma= cublas=-Dbaton.cuda.gemvMmaMax=8; do
  name="${opt%%=*}"
  BATON_JAVA_OPTS="${opt#*=}" timeout 120 $B/run-class ai.baton.experiments.enginebench.EngineBenchCommand \
    --config $FX/hub-configs/llama-3.1-8b.json,$FX/hub-configs/llama-3.2-1b.json --batch 16 --prefill 512 --graphs on \
    --json /tmp/profile-$name.json > "$OUT/profile-$name.txt" 2>&1
done
cp /tmp/profile-*.json "$OUT/" 2>/dev/null
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "^== variant|^==|^ +(2|8|16) +on " "$OUT/ab.txt"
grep -A12 "profile, decode" "$OUT"/profile-*.txt
