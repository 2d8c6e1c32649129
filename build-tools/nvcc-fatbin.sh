#!/usr/bin/env bash
# Compiles one CUDA translation unit into a fatbin resource: sm_80, sm_89, sm_90a machine code (sm_90a: Hopper's wgmma, which
# flash_prefill2 needs; it runs on every compute capability 9.0 GPU) plus compute_90 PTX for
# newer GPUs. Called by Maven (engine, kv-transfer) during generate-resources:
#   nvcc-fatbin.sh MAIN.cu OUTPUT.fatbin LABEL
# Without nvcc it says so and succeeds; the module then reports at run time that it has no kernels (engine) or falls
# back to copies without a kernel (kv-transfer). Sources are MAIN.cu and the *.cu/*.cuh files beside it.
set -euo pipefail
MAIN="${1:?usage: nvcc-fatbin.sh MAIN.cu OUTPUT.fatbin LABEL}"
OUT="${2:?usage: nvcc-fatbin.sh MAIN.cu OUTPUT.fatbin LABEL}"
LABEL="${3:?usage: nvcc-fatbin.sh MAIN.cu OUTPUT.fatbin LABEL}"
SRC="$(cd "$(dirname "$MAIN")" && pwd)"
SELF="${BASH_SOURCE[0]}"
NVCC="${NVCC:-$(command -v nvcc || true)}"
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
if [ -z "$NVCC" ]; then
  echo "[$LABEL] nvcc not found: building without its CUDA kernels"
  exit 0
fi
# Skip the compile when the fatbin is newer than every source.
if [ -f "$OUT" ] && [ -z "$(find "$SRC" "$SELF" \( -name '*.cu' -o -name '*.cuh' -o -name "$(basename "$SELF")" \) -newer "$OUT" -print -quit)" ]; then
  exit 0
fi
mkdir -p "$(dirname "$OUT")"
# Fresh build trees (CI, private copies) reuse a fatbin compiled from identical sources: a full compile takes minutes.
CACHE="${BATON_CUDA_CACHE:-$HOME/.cache/baton-cuda}"
KEY="$( (cat "$SRC"/*.cu; cat "$SRC"/*.cuh 2>/dev/null || true; cat "$SELF"; "$NVCC" --version; echo "$(basename "$MAIN") ${BATON_NVCC_FLAGS:-}") | sha256sum | cut -c1-24)"
CACHED="$CACHE/$LABEL-$KEY.fatbin"
if [ -f "$CACHED" ]; then
  cp "$CACHED" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
  echo "[$LABEL] kernels from cache ($KEY)"
  exit 0
fi
echo "[$LABEL] $NVCC -> $OUT"
# -no-compress: nvcc otherwise compresses some builds' device code and not others (7.9 to 27 MB for the same kernels);
# uncompressed, the jar is larger but the xz bundle that GPU hosts receive is smaller and its size stable.
"$NVCC" -fatbin -no-compress -O3 -std=c++17 -lineinfo \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_89,code=sm_89 \
  -gencode arch=compute_90a,code=sm_90a \
  -gencode arch=compute_90,code=compute_90 \
  ${BATON_NVCC_FLAGS:-} \
  -o "$OUT.tmp.$$" "$MAIN"
mv "$OUT.tmp.$$" "$OUT"
mkdir -p "$CACHE" 2>/dev/null && cp "$OUT" "$CACHED.$$" 2>/dev/null && mv "$CACHED.$$" "$CACHED" || true
