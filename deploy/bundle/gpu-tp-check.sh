#!/usr/bin/env bash
# Tensor parallelism on a 2-GPU host with no JDK (the device machine), from the repo root, on what
# deploy/bundle/pack-tp-carry.sh put in .carry/tp (bundle, fixtures, nccl-tests source):
#   fixtures  logits (--backend cuda) TP 2 vs TP 1 vs the HF fixture, greedy generate TP 2 vs TP 1, and --gpus 1,0
#   tpcheck   tp-check: llama-3.1-8b shape (synthetic weights), chunked prefill + decode, TP 2 (graphs on/off) vs
#             TP 1, and a rank failing mid-step (must fail fast, then recover)
#   bench     engine-bench decode ms/step TP 1 vs TP 2, llama-3.1-8b shape, batch 1/8/32, context 512, graphs on/off
#   allreduce allreduce-bench 1K..256M bf16 sum in place, ranks on threads
#   nccltests nccl-tests all_reduce_perf built here from source (no MPI), same sizes, -g 2 and -t 2; side-by-side table
# Everything lands in $OUT (log.txt, *.json, *.txt, summary.md). NVLink multicast (NVLS) stays off.
#   STAGES=fixtures,tpcheck deploy/bundle/gpu-tp-check.sh
set -uo pipefail
OUT="${OUT:-$PWD/gpu-tp-out}"
CARRY="${CARRY:-.carry/tp}"
STAGES="${STAGES:-fixtures,tpcheck,bench,allreduce,nccltests}"
CASES="${CASES:-2,4}"            # fixture cases (0-based) to run: 17 and 203 tokens
BATCH="${BATCH:-1,8,32}"
export NCCL_NVLS_ENABLE=0        # no NVLink multicast (cuMulticastCreate) on these hosts
mkdir -p "$OUT"
W=/tmp/baton-tp
rm -rf "$W" && mkdir -p "$W"
REPO="$PWD"
exec > >(tee -a "$OUT/log.txt") 2>&1

has() { [[ ",$STAGES," == *,$1,* ]]; }
stamp() { echo "[$(date +%T)] $*"; }

main() {
  stamp "unpacking $CARRY"
  tar -xJf "$CARRY/baton-bundle.tar.xz" -C "$W" && tar -xJf "$CARRY/fixtures.tar.xz" -C "$W" || { echo "unpack failed"; return 1; }
  B="$W/baton"
  FX="$W"
  nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv
  nvidia-smi topo -m || true
  # cuBLAS 13 for the FFM binding: the loader path, else the toolkit's folder.
  if ! ldconfig -p | grep -q 'libcublas.so.13'; then
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
      [ -f "$d/libcublas.so.13" ] && export BATON_CUBLAS="$d/libcublas.so.13" && break
    done
  fi
  # NCCL: the pip wheel (nvidia-nccl-cu13) that PyTorch uses here; the engine would also find it by itself.
  NCCL_PKG="$(python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' 2>/dev/null)"
  if [ -n "$NCCL_PKG" ] && [ -f "$NCCL_PKG/lib/libnccl.so.2" ]; then export BATON_NCCL_LIB="$NCCL_PKG/lib/libnccl.so.2"; fi
  echo "BATON_CUBLAS=${BATON_CUBLAS:-<loader path>} BATON_NCCL_LIB=${BATON_NCCL_LIB:-<search>} NCCL_NVLS_ENABLE=$NCCL_NVLS_ENABLE"

  has nccltests && build_nccl_tests &   # compiles on the CPU while the correctness stages use the GPUs
  BUILD_PID=$!

  has fixtures && fixtures
  has tpcheck && tpcheck
  has nccltests && { stamp "waiting for the nccl-tests build"; wait "$BUILD_PID"; }   # before anything is timed
  has bench && bench
  has allreduce && allreduce
  has nccltests && nccltests
  summary
  stamp "done"
}

fixtures() {
  stamp "== fixtures: logits and greedy, --backend cuda, TP 2 vs TP 1 vs HF"
  local d="$OUT/fixtures"; mkdir -p "$d"
  for m in qwen3-tiny-bf16 llama3-tiny qwen2-tiny; do
    for i in ${CASES//,/ }; do
      local ids n
      ids="$(python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][int(sys.argv[2])]; print(','.join(map(str,c['prompt'])))" "$FX/$m/expected.json" "$i")"
      n="$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cases'][int(sys.argv[2])]['greedy']))" "$FX/$m/expected.json" "$i")"
      for tp in 1 2; do
        timeout "${CALL_TIMEOUT:-120}" "$B/baton" logits --backend cuda --tp "$tp" --model "$FX/$m" --prompt-ids "$ids" > "$d/$m-$i-logits-tp$tp.json" 2> "$d/$m-$i-logits-tp$tp.err"
        echo "$m case $i logits tp $tp: exit $? $(head -c 300 "$d/$m-$i-logits-tp$tp.err")"
        timeout "${CALL_TIMEOUT:-120}" "$B/baton" generate --backend cuda --tp "$tp" --model "$FX/$m" --prompt-ids "$ids" --max-tokens "$n" --ignore-eos --json \
          > "$d/$m-$i-greedy-tp$tp.json" 2> "$d/$m-$i-greedy-tp$tp.err"
        echo "$m case $i greedy tp $tp: exit $? $(head -c 300 "$d/$m-$i-greedy-tp$tp.err")"
      done
    done
  done
  # The device list: rank 0 on GPU 1, rank 1 on GPU 0.
  local ids; ids="$(python3 -c "import json,sys; print(','.join(map(str,json.load(open(sys.argv[1]))['cases'][2]['prompt'])))" "$FX/llama3-tiny/expected.json")"
  timeout 120 "$B/baton" logits --backend cuda --tp 2 --gpus 1,0 --model "$FX/llama3-tiny" --prompt-ids "$ids" > "$d/gpus-1-0.json" 2> "$d/gpus-1-0.err"
  echo "llama3-tiny case 2 logits tp 2 --gpus 1,0: exit $? $(head -c 300 "$d/gpus-1-0.err")"
  python3 - "$FX" "$d" "$CASES" > "$OUT/fixtures.txt" <<'PY'
import json, math, os, sys
fx, d, cases = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3].split(",")]
def load(p):
    try:
        return json.load(open(p))
    except Exception as e:
        return None
def rel(a, b):
    if a is None or b is None: return float("nan")
    num = sum((x - y) ** 2 for x, y in zip(a, b)); den = sum(y * y for y in b)
    return math.sqrt(num / den)
bad = 0
print(f"{'model':16} {'case':>4} {'len':>4} {'tp2 vs tp1':>11} {'tp2 vs HF':>10} {'tp1 vs HF':>10} {'greedy tp2=tp1':>15} {'tp2=HF':>7}")
for m in ["qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"]:
    exp = json.load(open(os.path.join(fx, m, "expected.json")))["cases"]
    for i in cases:
        c = exp[i]
        l1 = load(f"{d}/{m}-{i}-logits-tp1.json"); l2 = load(f"{d}/{m}-{i}-logits-tp2.json")
        g1 = load(f"{d}/{m}-{i}-greedy-tp1.json"); g2 = load(f"{d}/{m}-{i}-greedy-tp2.json")
        l1 = l1 and l1["last_logits"]; l2 = l2 and l2["last_logits"]
        t1 = g1 and g1["token_ids"]; t2 = g2 and g2["token_ids"]
        r21, r2h, r1h = rel(l2, l1), rel(l2, c["last_logits"]), rel(l1, c["last_logits"])
        same = t1 is not None and t1 == t2
        hf = t2 is not None and t2 == c["greedy"]
        ok = r21 < 2e-2 and r2h < 2e-2 and same
        bad += not ok
        print(f"{m:16} {i:>4} {len(c['prompt']):>4} {r21:>11.2e} {r2h:>10.2e} {r1h:>10.2e} {str(same):>15} {str(hf):>7} {'ok' if ok else 'FAILED'}")
g = load(f"{d}/gpus-1-0.json"); l1 = load(f"{d}/llama3-tiny-2-logits-tp1.json")
r = rel(g and g["last_logits"], l1 and l1["last_logits"])
print(f"--gpus 1,0 (llama3-tiny case 2) vs TP 1: rel L2 {r:.2e} {'ok' if r < 2e-2 else 'FAILED'}")
bad += not (r < 2e-2)
print("fixtures: all ok" if bad == 0 else f"fixtures: {bad} FAILED")
PY
  cat "$OUT/fixtures.txt"
}

tpcheck() {
  stamp "== tp-check: llama-3.1-8b shape, TP 2 vs TP 1"
  timeout 420 "$B/baton" tp-check --config "$FX/hub-configs/llama-3.1-8b.json" --tp 2 --json "$OUT/tp-check.json"
  echo "tp-check exit code $?"
}

bench() {
  for tp in 1 2; do
    stamp "== engine-bench TP $tp: llama-3.1-8b shape, batch $BATCH, context 512"
    local graphs="${GRAPHS:-on,off}"; [ "$tp" = 2 ] && graphs="${TP2_GRAPHS:-$graphs}"
    timeout "${BENCH_TIMEOUT:-300}" "$B/baton" engine-bench --config "$FX/hub-configs/llama-3.1-8b.json" --tp "$tp" --batch "$BATCH" --context 512 \
      --prefill 512 --graphs "$graphs" --no-profile --json "$OUT/engine-bench-tp$tp.json"
    echo "engine-bench TP $tp exit code $?"
  done
}

allreduce() {
  stamp "== allreduce-bench: 1K..256M bf16 sum in place, 2 ranks on threads"
  timeout 240 "$B/baton" allreduce-bench --gpus 0,1 --min-bytes 1K --max-bytes 256M --iters 20 --runs 5 --json "$OUT/allreduce-bench.json"
  echo "allreduce-bench exit code $?"
}

build_nccl_tests() {
  local log="$OUT/nccl-tests-build.txt"
  {
    [ -n "$NCCL_PKG" ] || { echo "no nvidia-nccl wheel found by python3"; return 1; }
    mkdir -p "$W/nccl-home/lib" && ln -sf "$NCCL_PKG/include" "$W/nccl-home/include"
    ln -sf "$NCCL_PKG/lib/libnccl.so.2" "$W/nccl-home/lib/libnccl.so"   # the wheel has only the .so.2
    tar -xzf "$CARRY/nccl-tests.tar.gz" -C "$W" || return 1
    local bd="$W/nccl-tests-build"
    echo "nccl-tests $(cat "$W/nccl-tests/COMMIT" 2>/dev/null), NCCL_HOME -> $NCCL_PKG, nvcc $(/usr/local/cuda/bin/nvcc --version | grep release)"
    make -C "$W/nccl-tests/src" -j 8 MPI=0 CUDA_HOME=/usr/local/cuda NCCL_HOME="$W/nccl-home" BUILDDIR="$bd" \
      NVCC_GENCODE="-gencode=arch=compute_90,code=sm_90" os.build "$bd/all_reduce_perf"
  } > "$log" 2>&1
  local rc=$?
  echo "nccl-tests build exit code $rc ($(tail -n 2 "$log" | tr '\n' ' '))"
  return $rc
}

nccltests() {
  local bin="$W/nccl-tests-build/all_reduce_perf"
  [ -x "$bin" ] || { echo "nccl-tests: no all_reduce_perf (see nccl-tests-build.txt)"; return; }
  export LD_LIBRARY_PATH="$NCCL_PKG/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  stamp "== nccl-tests all_reduce_perf -g 2 (one thread, two GPUs)"
  timeout 180 "$bin" -b 1K -e 256M -f 2 -g 2 -d bfloat16 -o sum -n 20 -w 5 -c 1 | tee "$OUT/nccl-tests-g2.txt"
  stamp "== nccl-tests all_reduce_perf -t 2 -g 1 (a thread per GPU, as the engine)"
  timeout 180 "$bin" -b 1K -e 256M -f 2 -t 2 -g 1 -d bfloat16 -o sum -n 20 -w 5 -c 1 | tee "$OUT/nccl-tests-t2.txt"
}

summary() {
  python3 - "$OUT" > "$OUT/summary.md" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception:
        return None
print("# Tensor parallelism on GPUs: gpu-tp-check.sh\n")
if os.path.exists(os.path.join(out, "fixtures.txt")):
    print("## Fixtures (--backend cuda): last-position logits rel. L2 and greedy tokens\n\n```")
    print(open(os.path.join(out, "fixtures.txt")).read().rstrip()); print("```\n")
tc = load("tp-check.json")
if tc:
    print(f"## tp-check (llama-3.1-8b shape, synthetic weights): failures {tc.get('failures')}\n")
    for k, v in tc.items():
        if isinstance(v, dict) and "max_rel_l2" in v:
            print(f"- {k}: max rel. L2 {v['max_rel_l2']:.2e}, argmax same {v.get('argmax_same')}, ok {v.get('ok')}")
            rf = v.get("rank_failure")
            if rf:
                print(f"  - rank 1 failing mid-step: step failed after {rf.get('failed_step_seconds', float('nan')):.2f} s, "
                      f"next step {rf.get('next_step_seconds', float('nan')):.2f} s with rel. L2 {rf.get('next_step_max_rel_l2', float('nan')):.2e}, ok {rf.get('ok')}")
        elif isinstance(v, dict) and "error" in v:
            print(f"- {k}: ERROR {v['error']}")
    print()
b1, b2 = load("engine-bench-tp1.json"), load("engine-bench-tp2.json")
if b1 and b2:
    d1 = {(r["batch"], r["graphs"]): r for r in b1["models"][0]["decode"]}
    d2 = {(r["batch"], r["graphs"]): r for r in b2["models"][0]["decode"]}
    print("## Decode ms/step, llama-3.1-8b shape, context 512 (floors: weights + KV read per rank / copy bandwidth)\n")
    print("| batch | graphs | TP 1 ms | TP 1 floor | TP 2 ms | TP 2 floor | TP 2 / TP 1 |")
    print("|---:|:---:|---:|---:|---:|---:|---:|")
    for k in sorted(d1, key=lambda k: (k[0], not k[1])):
        if k in d2:
            a, b = d1[k], d2[k]
            print(f"| {k[0]} | {'on' if k[1] else 'off'} | {a['ms_per_step']:.3f} | {a['floor_ms']:.3f} | {b['ms_per_step']:.3f} | {b['floor_ms']:.3f} | {b['ms_per_step']/a['ms_per_step']:.2f} |")
    p1, p2 = b1["models"][0].get("prefill", []), b2["models"][0].get("prefill", [])
    for a, b in zip(p1, p2):
        print(f"\nPrefill {a['tokens']} tokens: TP 1 {a['ms']:.2f} ms, TP 2 {b['ms']:.2f} ms")
    print()
ar = load("allreduce-bench.json")
def nccl_tests(name):
    rows = {}
    try:
        for line in open(os.path.join(out, name)):
            f = line.split()
            if len(f) >= 13 and f[0].isdigit():
                rows[int(f[0])] = (float(f[-4]), float(f[-2]))   # in-place time (us), busbw (GB/s)
    except Exception:
        pass
    return rows
if ar:
    g2, t2 = nccl_tests("nccl-tests-g2.txt"), nccl_tests("nccl-tests-t2.txt")
    print(f"## All-reduce, bf16 sum in place, {ar['ranks']} GPUs ({', '.join(ar['devices'])}), {ar['nccl']}\n")
    print("Baton: ranks on threads, CUDA events around 20 all-reduces, median of 5, slowest rank. nccl-tests: in-place columns.\n")
    print("| bytes | Baton us | Baton busbw GB/s | nccl-tests -t 2 us | busbw | nccl-tests -g 2 us | busbw | Baton / -t 2 time |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in ar["results"]:
        n = r["bytes"]; a = t2.get(n); g = g2.get(n)
        ratio = f"{r['time_us']/a[0]:.2f}" if a and a[0] > 0 else "-"
        print(f"| {n} | {r['time_us']:.1f} | {r['busbw_GBps']:.1f} | {a[0] if a else '-'} | {a[1] if a else '-'} | {g[0] if g else '-'} | {g[1] if g else '-'} | {ratio} |")
    print(f"\nchecks: {'all ok' if ar.get('all_checks_ok') else 'FAILED'}")
PY
  cat "$OUT/summary.md"
}

main
sleep 1   # let tee finish log.txt before the run ends
