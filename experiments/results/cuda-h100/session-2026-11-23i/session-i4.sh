#!/usr/bin/env bash
# Session i, call 4: Nsight Compute (if the host has it) on decode attention at batch 8 and 32 and the 8-row gate/up
# GEMV of qwen3-0.6b, graphs off: throughput, memory workload, warp stalls, occupancy.
set -uo pipefail
export OUT="${OUT:?}"
STAGES=none CARRY=.carry/cuda-final deploy/bundle/gpu-check.sh > /dev/null 2>&1
B=/tmp/baton-gpu/baton
FX=/tmp/baton-gpu
NCU=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu /usr/local/NVIDIA-Nsight-Compute*/ncu 2>/dev/null | head -1)
echo "ncu: ${NCU:-none}"; ls /usr/local/ | head -20
[ -n "$NCU" ] || exit 0
for b in 8 32; do
  timeout 200 "$NCU" --target-processes all -k regex:"paged_attention_d128|gemvt_norm_gateup" --launch-skip 40 --launch-count 3 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats --section Occupancy --section LaunchStats \
    --section SchedulerStats \
    "$B/run-class" ai.baton.experiments.enginebench.EngineBenchCommand --config "$FX/hub-configs/qwen3-0.6b.json" \
    --batch $b --prefill 512 --graphs off --no-profile --decode-steps 4 > "$OUT/ncu-b$b.txt" 2>&1
  echo "b$b exit $?"
done
grep -E "paged_attention|gemvt|Memory Throughput|DRAM Throughput|Duration|Achieved Occupancy|Theoretical Occupancy|Registers Per|Stall|One or More Eligible|Block Limit" "$OUT"/ncu-b*.txt | head -120
