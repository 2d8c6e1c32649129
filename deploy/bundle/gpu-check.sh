#!/usr/bin/env bash
# On a GPU host with no JDK (the device machine), from the repo root: unpacks the carried bundle and fixtures
# (deploy/bundle/pack-carry.sh made them), then
#   nogpu  ./baton generate --backend cuda with the GPU hidden: must exit non-zero with one line
#   check  cuda-check: fixtures, greedy, 32 random batched requests CUDA vs CPU, real widths CUDA vs CPU
#   bench  engine-bench on synthetic weights of qwen3-0.6b, llama-3.2-1b, llama-3.1-8b
#   peer   the gpt-fast peer on the same shapes, then the side-by-side table
#   spec   spec-bench: n-gram speculative decoding vs plain decoding on the text fixture and the $SHAPES (synthetic)
#   offload  offload-bench: time to first token cold / prefix-cache hit / host-tier hit on the $SHAPES (synthetic)
#   logit  logit-bench: penalised, biased and guided decoding, logits edited on the GPU vs brought to the host, on the
#          text fixture and the $SHAPES (synthetic weights, the text fixture's Qwen3 tokenizer for the guided rows)
# Everything lands in $OUT (log.txt, cuda-check-*.json, engine-bench.json, peer.json, summary.md, combined.json).
#   STAGES=check,bench  deploy/bundle/gpu-check.sh
set -uo pipefail
OUT="${OUT:-$PWD/gpu-out}"
CARRY="${CARRY:-.carry/gpu}"
STAGES="${STAGES:-nogpu,check,bench,peer}"
BATCH="${BATCH:-1,8,32,128}"
PREFILL="${PREFILL:-512,2048,8192}"
SHAPES="${SHAPES:-qwen3-0.6b llama-3.2-1b llama-3.1-8b}"
mkdir -p "$OUT"
W=/tmp/baton-gpu
rm -rf "$W" && mkdir -p "$W"
REPO="$PWD"

main() {
  echo "[$(date +%T)] unpacking"
  tar -xJf "$CARRY/baton-bundle.tar.xz" -C "$W" && tar -xJf "$CARRY/fixtures.tar.xz" -C "$W" || { echo "unpack failed"; return 1; }
  B="$W/baton"
  # Jars rebuilt since the bundle was packed replace the bundle's own (quick iterations without repacking).
  if compgen -G "$CARRY/override/*.jar" > /dev/null; then cp "$CARRY"/override/*.jar "$B/lib/" && echo "override: $(ls "$CARRY/override")"; fi
  FX="$W"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  # cuBLAS 13 for the FFM binding: the loader path, else the toolkit's folder.
  if ! ldconfig -p | grep -q 'libcublas.so.13'; then
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
      [ -f "$d/libcublas.so.13" ] && export BATON_CUBLAS="$d/libcublas.so.13" && break
    done
  fi
  echo "BATON_CUBLAS=${BATON_CUBLAS:-<loader path>}"
  CONFIGS=""; PCONFIGS=""
  for s in $SHAPES; do CONFIGS="${CONFIGS:+$CONFIGS,}$FX/hub-configs/$s.json"; PCONFIGS="$PCONFIGS $FX/hub-configs/$s.json"; done

  if [[ ",$STAGES," == *,nogpu,* ]]; then
    echo "[$(date +%T)] == nogpu: ./baton generate --backend cuda with no visible GPU"
    CUDA_VISIBLE_DEVICES="" timeout 60 "$B/baton" generate --backend cuda --model "$FX/qwen3-text-tiny" --prompt-ids 1,2,3 --max-tokens 2 \
      > "$W/nogpu.out" 2> "$W/nogpu.err"
    echo "exit code $? ; stderr ($(wc -l < "$W/nogpu.err") line(s)): $(cat "$W/nogpu.err")"
    echo "[$(date +%T)] == generate with the GPU:"
    timeout 60 "$B/baton" generate --backend cuda --model "$FX/qwen3-text-tiny" --prompt "The capital of France is" --max-tokens 8
    echo "exit code $?"
  fi
  if [[ ",$STAGES," == *,check,* ]]; then
    # Two processes, so that a fault that poisons the CUDA context in one part cannot hide the other's results.
    echo "[$(date +%T)] == cuda-check (fixtures, greedy, text fixture)"
    timeout "${CHECK_TIMEOUT:-150}" "$B/run-class" ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
      --skip batch,shapes --json "$OUT/cuda-check-fixtures.json" ${CHECK_ARGS:-}
    echo "cuda-check exit code $?"
    echo "[$(date +%T)] == cuda-check (32 random requests, real widths)"
    timeout "${CHECK_TIMEOUT:-150}" "$B/run-class" ai.baton.experiments.enginebench.CudaCheckCommand --fixtures "$FX" \
      --skip fixtures,prompt,greedy,speculative,text,offload --json "$OUT/cuda-check-batch.json" ${CHECK_ARGS:-}
    echo "cuda-check exit code $?"
  fi
  if [[ ",$STAGES," == *,bench,* ]]; then
    echo "[$(date +%T)] == engine-bench"
    BENCH_CMD=(ai.baton.experiments.enginebench.EngineBenchCommand --config "$CONFIGS" --batch "$BATCH" --context 512
      --decode-steps "${STEPS:-32}" --prefill "$PREFILL" --graphs on,off --json "$OUT/engine-bench.json")
    timeout "${BENCH_TIMEOUT:-300}" "$B/run-class" "${BENCH_CMD[@]}"
    echo "engine-bench exit code $?"
  fi
  if [[ ",$STAGES," == *,peer,* ]]; then
    echo "[$(date +%T)] == gpt-fast peer"
    PYTHONUNBUFFERED=1 timeout "${PEER_TIMEOUT:-240}" python3 "$REPO/experiments/peer/gpt_fast_peer.py" --gpt-fast "$CARRY/gpt-fast" \
      --config $PCONFIGS --batch "$BATCH" --context 512 --decode-steps "${STEPS:-32}" --prefill "$PREFILL" --json "$OUT/peer.json"
    echo "peer exit code $?"
  fi
  if [[ ",$STAGES," == *,spec,* ]]; then
    for s in qwen3-text-tiny $SHAPES; do
      echo "[$(date +%T)] == spec-bench $s"
      if [ "$s" = qwen3-text-tiny ]; then SRC=(--model "$FX/qwen3-text-tiny"); else SRC=(--config "$FX/hub-configs/$s.json"); fi
      timeout "${SPEC_TIMEOUT:-200}" "$B/run-class" ai.baton.experiments.specbench.SpecBenchCommand "${SRC[@]}" --backend cuda \
        --batch "${SPEC_BATCH:-1,8,32}" --k "${SPEC_K:-0,2,4,8}" --max-tokens 128 --prompt-len 128 --json "$OUT/spec-bench-$s.json"
      echo "spec-bench exit code $?"
    done
  fi
  if [[ ",$STAGES," == *,offload,* ]]; then
    for s in $SHAPES; do
      echo "[$(date +%T)] == offload-bench $s"
      timeout "${OFFLOAD_TIMEOUT:-200}" "$B/run-class" ai.baton.experiments.offloadbench.OffloadBenchCommand \
        --config "$FX/hub-configs/$s.json" --backend cuda --prompt-len "${OFFLOAD_LEN:-1024,4096,16384}" \
        --kv-offload-mib "${OFFLOAD_MIB:-6144}" --rounds "${OFFLOAD_ROUNDS:-3}" --json "$OUT/offload-bench-$s.json"
      echo "offload-bench exit code $?"
    done
  fi
  if [[ ",$STAGES," == *,logit,* ]]; then
    for s in qwen3-text-tiny $SHAPES; do
      echo "[$(date +%T)] == logit-bench $s"
      if [ "$s" = qwen3-text-tiny ]; then SRC=(--model "$FX/qwen3-text-tiny"); else SRC=(--config "$FX/hub-configs/$s.json" --tokenizer "$FX/qwen3-text-tiny"); fi
      timeout "${LOGIT_TIMEOUT:-200}" "$B/run-class" ai.baton.experiments.logitbench.LogitBenchCommand "${SRC[@]}" --backend cuda \
        --batch "${LOGIT_BATCH:-1,8,32}" --max-tokens "${LOGIT_TOKENS:-64}" --prompt-len 128 --json "$OUT/logit-bench-$s.json"
      echo "logit-bench exit code $?"
    done
  fi
  if [ -f "$OUT/engine-bench.json" ]; then
    python3 "$REPO/experiments/peer/merge_results.py" --baton "$OUT/engine-bench.json" \
      ${OUT:+$( [ -f "$OUT/peer.json" ] && echo --peer "$OUT/peer.json")} \
      --markdown "$OUT/summary.md" --json "$OUT/combined.json" \
      --command "STAGES=$STAGES BATCH=$BATCH PREFILL=$PREFILL SHAPES='$SHAPES' deploy/bundle/gpu-check.sh"
  fi
  echo "[$(date +%T)] done"
}
main 2>&1 | tee "$OUT/log.txt"
