#!/usr/bin/env bash
# Compiles Baton's CUDA kernels into one fatbin (sm_80, sm_89, sm_90 machine code plus compute_90 PTX for newer
# GPUs). Called by Maven during generate-resources with the output path; without nvcc it says so and succeeds, and
# the CUDA backend then reports at run time that this build has no kernels.
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: build.sh OUTPUT.fatbin}"
NVCC="${NVCC:-$(command -v nvcc || true)}"
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
if [ -z "$NVCC" ]; then
  echo "[cuda] nvcc not found: building without CUDA kernels (the cuda backend will report that it has none)"
  exit 0
fi
# Skip the compile when the fatbin is newer than every source.
if [ -f "$OUT" ] && [ -z "$(find "$SRC" \( -name '*.cu' -o -name '*.cuh' -o -name build.sh \) -newer "$OUT" -print -quit)" ]; then
  exit 0
fi
mkdir -p "$(dirname "$OUT")"
# Fresh build trees (CI, private copies) reuse a fatbin compiled from identical sources: a full compile takes minutes.
CACHE="${BATON_CUDA_CACHE:-$HOME/.cache/baton-cuda}"
KEY="$( (cat "$SRC"/*.cu "$SRC"/*.cuh "$SRC/build.sh"; "$NVCC" --version; echo "${BATON_NVCC_FLAGS:-}") | sha256sum | cut -c1-24)"
if [ -f "$CACHE/kernels-$KEY.fatbin" ]; then
  cp "$CACHE/kernels-$KEY.fatbin" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
  echo "[cuda] kernels from cache ($KEY)"
  exit 0
fi
echo "[cuda] $NVCC -> $OUT"
"$NVCC" -fatbin -O3 -std=c++17 -lineinfo \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_89,code=sm_89 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  ${BATON_NVCC_FLAGS:-} \
  -o "$OUT.tmp.$$" "$SRC/baton_kernels.cu"
mv "$OUT.tmp.$$" "$OUT"
mkdir -p "$CACHE" 2>/dev/null && cp "$OUT" "$CACHE/kernels-$KEY.fatbin.$$" 2>/dev/null && mv "$CACHE/kernels-$KEY.fatbin.$$" "$CACHE/kernels-$KEY.fatbin" || true
