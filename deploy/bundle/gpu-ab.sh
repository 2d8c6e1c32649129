#!/usr/bin/env bash
# On a GPU host, from the repo root, after deploy/bundle/gpu-check.sh has unpacked the bundle into /tmp/baton-gpu (any
# STAGES): the engine benchmark once per JVM option set, for A/B comparisons within one call.
#   VARIANTS='default=;nofuse=-Dbaton.cuda.fuseMlp=false' BENCH_ARGS='--batch 1 --prefill 512' deploy/bundle/gpu-ab.sh
# Each variant's table goes to $OUT/ab.txt, its JSON to $OUT/ab-NAME.json; SHAPES as in gpu-check.sh.
set -uo pipefail
OUT="${OUT:-$PWD/gpu-out}"
SHAPES="${SHAPES:-qwen3-0.6b}"
BENCH_ARGS="${BENCH_ARGS:---batch 1 --prefill 512 --graphs on --no-profile}"
W=/tmp/baton-gpu
B="$W/baton"
[ -x "$B/run-class" ] || { echo "no unpacked bundle in $W: run deploy/bundle/gpu-check.sh first"; exit 1; }
CONFIGS=""
for s in $SHAPES; do CONFIGS="${CONFIGS:+$CONFIGS,}$W/hub-configs/$s.json"; done
IFS=';' read -ra VS <<< "${VARIANTS:?VARIANTS='name=opts;...'}"
for v in "${VS[@]}"; do
  name="${v%%=*}"; opts="${v#*=}"
  echo "== variant $name: BATON_JAVA_OPTS='$opts'" | tee -a "$OUT/ab.txt"
  # shellcheck disable=SC2086
  BATON_JAVA_OPTS="$opts" timeout "${AB_TIMEOUT:-120}" "$B/run-class" ai.baton.experiments.enginebench.EngineBenchCommand \
    --config "$CONFIGS" $BENCH_ARGS --json "$OUT/ab-$name.json" 2>&1 | tee -a "$OUT/ab.txt"
  echo "exit code ${PIPESTATUS[0]}" | tee -a "$OUT/ab.txt"
done
