#!/usr/bin/env bash
# Runs kv-bench on a GPU host that has no Java: unpacks a jlink runtime carried next to this script, then
#   CUDA IPC (GPU0 -> GPU1), staged UCX (GPU0 -> pinned host -> UCX -> pinned host -> GPU1), host-memory UCX
#   with ucx_perftest beside it, and PyTorch's peer copy as the link's figure. Results land in $OUT.
# Layout next to this script: jrt.tar.xz, jars/*.jar, ucx/ (fallback libucx + ucx_perftest if the host has none).
set -u
B="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-/tmp/kv-out}"; mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 UCX_LOG_FILE=stderr
tar -xJf "$B/jrt.tar.xz" -C /tmp
JAVA=/tmp/jrt/bin/java
CP="$(ls "$B"/jars/*.jar | paste -sd:)"
if ! command -v ucx_perftest >/dev/null || ! ldconfig -p | grep -q 'libucp.so.0 '; then
  # kv-bench and ucx_perftest must use one UCX build; take the carried one (Debian 12's 1.13.1) for both.
  echo "no system UCX with ucx_perftest: using the carried UCX 1.13"
  export LD_LIBRARY_PATH="$B/ucx:${LD_LIBRARY_PATH:-}" UCX_MODULE_DIR="$B/ucx/modules" PATH="$B/ucx:$PATH"
fi
(ucx_info -v | head -1; nproc; nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version --format=csv,noheader; nvidia-smi topo -m) 2>&1 | tee "$OUT/host.txt"
SIZES="${SIZES:-4KiB,1MiB,64MiB,256MiB}"
python3 "$B/torch_peer_copy.py" 4096 1048576 67108864 268435456 > "$OUT/torch-peer-copy.json" 2>>"$OUT/errors.log"
cat "$OUT/torch-peer-copy.json"
bench() { # name, seconds, args...
  local name="$1" secs="$2"; shift 2
  echo "== kv-bench $*"
  timeout "$secs" "$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$CP" ai.baton.kvtransfer.bench.KvBenchCommand \
    --sizes "$SIZES" --out "$OUT/kv-bench-$name.json" "$@" 2>>"$OUT/errors.log"
  echo "rc=$?"
}
bench cuda-ipc 90 --transport cuda-ipc --src-device 0 --dst-device 1
bench staged 110 --transport staged --memory cuda --src-device 0 --dst-device 1
bench ucx-host 100 --transport ucx --compare-perftest
grep -v ' INFO: \|^[A-Z][a-z][a-z] [0-9]' "$OUT/errors.log" | tail -40
