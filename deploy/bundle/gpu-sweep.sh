#!/usr/bin/env bash
# A P:D sweep on a GPU host with no JDK (the device machine), from the repo root, on a carry folder holding the
# bundle (baton-bundle.tar.xz), fixtures.tar.xz (hub-configs) and tokenizer-qwen3.tar.xz:
#   CARRY=.carry/x2 OUT=... deploy/bundle/gpu-sweep.sh
# Default: the qwen3-0.6b shape (random weights), 1P:1D against two collocated replicas on 2 GPUs (same GPU count),
# 5000-in / 250-out random prompts on a Poisson request-rate ladder. Results (summary.csv, one directory per
# configuration with each point's bench JSON and Chrome trace, node logs) land in $OUT/sweep; the random model is
# left out. Each node gets a 40 GB KV cache, an 8192-token step
# budget and 128 sequences (the CPU defaults, 256 MiB and 512 tokens, would not hold one 5000-token prompt). Plots are drawn afterwards where Java has java.desktop: ./baton plot DIR.
set -uo pipefail
OUT="${OUT:-$PWD/gpu-sweep-out}"
CARRY="${CARRY:-.carry/x2}"
SHAPE="${SHAPE:-qwen3-0.6b}"
RATES="${RATES:-2,4,8,16,32}"
POINT_S="${POINT_S:-15}"
GPUS="${GPUS:-2}"
BUDGET_S="${BUDGET_S:-500}"       # stop the sweep in time for $OUT to come back (the sweep resumes where it stopped)
export NCCL_NVLS_ENABLE=0
W=/tmp/baton-sweep
mkdir -p "$OUT" "$W"
exec > >(tee -a "$OUT/sweep-log.txt") 2>&1
echo "[$(date +%T)] unpacking $CARRY"
[ -x "$W/baton/baton" ] || tar -xJf "$CARRY/baton-bundle.tar.xz" -C "$W" || exit 1
tar -xJf "$CARRY/fixtures.tar.xz" -C "$W" && tar -xJf "$CARRY/tokenizer-qwen3.tar.xz" -C "$W" || exit 1
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv
if ! ldconfig -p | grep -q 'libcublas.so.13'; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -f "$d/libcublas.so.13" ] && export BATON_CUBLAS="$d/libcublas.so.13" && break
  done
fi
export BATON_LAUNCHER="$W/baton/baton"
RES="$W/sweep"
timeout -s INT "$BUDGET_S" "$W/baton/baton" sweep --synthetic-shape "$W/hub-configs/$SHAPE.json" \
  --synthetic-tokenizer "$W/tokenizers/qwen3" --out "$RES" --ratios 1:1 --collocated 1 --collocated-replicas 2 --tp 1 \
  --gpus "$GPUS" --up-arg=--backend --up-arg=cuda --up-arg=--kv-cache-mib --up-arg="${KV_MIB:-40000}" \
  --up-arg=--max-batch-tokens --up-arg="${MAX_BATCH_TOKENS:-8192}" --up-arg=--max-seqs --up-arg="${MAX_SEQS:-128}" --request-rates "$RATES" --point-seconds "$POINT_S" --num-prompts 16 \
  --random-input-len 5000 --random-output-len 250 --num-warmups 8 --warmup-seconds 10 --goodput ttft:1000 tpot:50 \
  --no-plot ${SWEEP_ARGS:-}
echo "[$(date +%T)] sweep exited with $?"
mkdir -p "$OUT/sweep"
(cd "$RES" && tar -cf - --exclude=./model --exclude='*.safetensors' .) | tar -xf - -C "$OUT/sweep"
nvidia-smi --query-gpu=index,memory.used --format=csv
echo "[$(date +%T)] done"
