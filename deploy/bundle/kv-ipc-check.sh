#!/usr/bin/env bash
# CUDA IPC GPU0 -> GPU1 with kv-bench, the batched copy kernel against one cuMemcpy per run, on a GPU host with no
# JDK (the device machine). Run from the repo root with a bundle packed into $CARRY:
#   deploy/bundle/build-bundle.sh .carry/kv-ipc/baton-bundle.tar.xz
#   OUT=/some/dir deploy/bundle/kv-ipc-check.sh
# Stages, every byte verified by kv-bench's checksum:
#   torch       PyTorch's GPU0 -> GPU1 peer copy (kv-transfer/scripts/torch_peer_copy.py): the link's figure
#   nopeer      --kv-copy memcpy with BATON_KV_PEER_ACCESS=off: the copy as it was before peer access was enabled
#   contiguous  --kv-copy memcpy, then kernel: one K and one V run per transfer
#   shuffle     --kv-copy memcpy, then kernel, with --shuffle: one 32 KiB block per run, as a real KV handover
# memcpy runs first, each in its own process, so a kernel fault cannot hide the memcpy figures. Results in $OUT:
# log.txt, host.txt, torch-peer-copy.json, kv-bench-*.json/.txt, summary.md.
#   STAGES=contiguous,shuffle SIZES=1MiB,64MiB deploy/bundle/kv-ipc-check.sh
set -uo pipefail
OUT="${OUT:-$PWD/kv-ipc-out}"
CARRY="${CARRY:-.carry/kv-ipc}"
SIZES="${SIZES:-1MiB,64MiB,256MiB}"
STAGES="${STAGES:-torch,nopeer,contiguous,shuffle}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-90}"
REPO="$PWD"
W=/tmp/baton-kv-ipc
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 UCX_LOG_FILE=stderr

bytes() { # 1MiB -> 1048576 (the sizes kv-bench and the torch script both take)
  python3 -c 'import sys
u = {"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
for s in sys.argv[1].split(","):
    n = s.rstrip("KMGiB"); print(int(n) * u[s[len(n):]], end=" ")' "$1"
}

bench() { # name, kv-bench args...
  local name="$1"; shift
  echo "[$(date +%T)] == kv-bench $name: $*"
  timeout "$BENCH_TIMEOUT" "$B/baton" kv-bench --transport cuda-ipc --src-device 0 --dst-device 1 --sizes "$SIZES" \
    --out "$OUT/kv-bench-$name.json" "$@" 2> "$OUT/kv-bench-$name.err" | tee "$OUT/kv-bench-$name.txt"
  local rc=${PIPESTATUS[0]}
  echo "kv-bench $name exit code $rc"
  grep -v ' INFO: \|^[A-Z][a-z][a-z] [0-9]' "$OUT/kv-bench-$name.err" | tail -15
}

main() {
  echo "[$(date +%T)] unpacking $CARRY/baton-bundle.tar.xz"
  rm -rf "$W" && mkdir -p "$W" && tar -xJf "$CARRY/baton-bundle.tar.xz" -C "$W" || { echo "unpack failed"; return 1; }
  B="$W/baton"
  # Jars rebuilt since the bundle was packed replace the bundle's own (quick iterations without repacking).
  if compgen -G "$CARRY/override/*.jar" > /dev/null; then cp "$CARRY"/override/*.jar "$B/lib/" && echo "override: $(ls "$CARRY/override")"; fi
  python3 -c 'import sys, zipfile; sys.exit("ai/baton/kvtransfer/cuda/kv_copy.fatbin" not in zipfile.ZipFile(sys.argv[1]).namelist())' \
      "$B"/lib/baton-kv-transfer-*.jar && echo "kv_copy.fatbin: in the bundle" \
    || echo "kv_copy.fatbin: NOT in the bundle (built without nvcc?): kernel runs will fall back to memcpy"
  (nproc; nvidia-smi --query-gpu=index,name,pci.bus_id,driver_version --format=csv,noheader; nvidia-smi topo -m) 2>&1 | tee "$OUT/host.txt"

  if [[ ",$STAGES," == *,torch,* ]]; then
    echo "[$(date +%T)] == torch peer copy"
    timeout 90 python3 "$REPO/kv-transfer/scripts/torch_peer_copy.py" $(bytes "$SIZES") > "$OUT/torch-peer-copy.json" 2> "$OUT/torch.err"
    echo "torch exit code $?"; cat "$OUT/torch-peer-copy.json"; tail -5 "$OUT/torch.err"
  fi
  if [[ ",$STAGES," == *,nopeer,* ]]; then BATON_KV_PEER_ACCESS=off bench nopeer-memcpy --kv-copy memcpy; fi
  if [[ ",$STAGES," == *,contiguous,* ]]; then
    bench memcpy --kv-copy memcpy
    bench kernel --kv-copy kernel
  fi
  if [[ ",$STAGES," == *,shuffle,* ]]; then
    bench shuffle-memcpy --kv-copy memcpy --shuffle
    bench shuffle-kernel --kv-copy kernel --shuffle
  fi

  echo "[$(date +%T)] summary"
  python3 - "$OUT" "STAGES=$STAGES SIZES=$SIZES deploy/bundle/kv-ipc-check.sh" <<'PY' | tee "$OUT/summary.md"
import json, os, sys
out, command = sys.argv[1], sys.argv[2]
def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
runs = [(n, load("kv-bench-%s.json" % n)) for n in ("nopeer-memcpy", "memcpy", "kernel", "shuffle-memcpy", "shuffle-kernel")]
runs = [(n, r) for n, r in runs if r]
torch = load("torch-peer-copy.json") or {}
peer = {r["size"]: r.get("peerGbps") for r in torch.get("results", [])}
sizes = sorted({x["size"] for _, r in runs for x in r["results"]} | set(peer))
print("# kv-bench CUDA IPC GPU0 -> GPU1: batched copy kernel vs cuMemcpy per run\n")
print("Command: `%s`\n" % command)
for n, r in runs:
    print("- %s: copy mode %s, peer access %s, shuffle %s" % (n, r.get("kvCopyMode"), r.get("peerAccess"), r.get("shuffle")))
print()
print("| size | " + " | ".join("%s GB/s (path, segments per write)" % n for n, _ in runs) + " | torch peer copy GB/s |")
print("|---|" + "---|" * len(runs) + "---|")
for s in sizes:
    cells = []
    for _, r in runs:
        x = next((x for x in r["results"] if x["size"] == s), None)
        if x is None:
            cells.append("-")
            continue
        per = x.get("kernelSegmentsPerWrite", x.get("memcpyCopiesPerWrite"))
        cells.append("%s (%s, %s)%s" % (("%.1f" if x["gbps"] >= 1 else "%.3f") % x["gbps"], x.get("copyPath", "?"), "%.0f" % per if per is not None else "?",
                                          "" if x.get("verified") else " NOT VERIFIED"))
    p = peer.get(s)
    label = "%d MiB" % (s >> 20) if s >= 1 << 20 else "%d KiB" % (s >> 10)
    print("| %s | %s | %s |" % (label, " | ".join(cells), "%.1f" % p if p else "-"))
fallbacks = {x["copyFallback"] for _, r in runs for x in r["results"] if "copyFallback" in x}
if fallbacks:
    print("\nFell back to memcpy: " + "; ".join(sorted(fallbacks)))
PY
  echo "[$(date +%T)] done"
}
main 2>&1 | tee "$OUT/log.txt"
