#!/bin/bash
# How the runs in this folder were made (commit ff0c3d8, CPU, 2 cores). Start a cluster first:
#   ./baton up --model /work/shared/fixtures/qwen3-text-tiny --prefill 1 --decode 1 --port 18000
# then, from the repository root: RES=<result folder> PM=<prefill metrics port> DM=<decode metrics port> \
#   experiments/results/arrival-pattern-uncached/run.sh   (the metrics ports are in the node logs)
# Every pattern gets its own seed, so no run reuses another run's prompts (the *-reuse* runs do so on purpose).
RES=${RES:-.}
bench() { # NAME SEED [options]
  local n=$1 s=$2; shift 2
  ./baton bench --base-url http://127.0.0.1:18000 --dataset-name random --random-input-len 512 \
    --random-output-len 32 --num-prompts 16 --ignore-eos --seed $s --num-warmups 4 --save-result --save-detailed \
    --result-dir $RES --result-filename $n.json --disable-tqdm \
    --metrics-url prefill=http://127.0.0.1:$PM/metrics --metrics-url decode=http://127.0.0.1:$DM/metrics "$@"
}
for i in 1 2 3; do
  bench seq-$i 40$i --max-concurrency 1
  bench rate1-$i 41$i --request-rate 1
  bench rate0.5-$i 42$i --request-rate 0.5
  bench rate4-$i 43$i --request-rate 4
  bench rate1-reuseseq-$i 40$i --request-rate 1        # finding 3's original protocol: seq's prompts again
  bench seq-reuserate1-$i 41$i --max-concurrency 1     # and the other way round
done
# first-pass/: a fresh cluster, seq-a (seed 301) and r1-a (302), then seq-b1 (301), r1-b1 (311), seq-b2 (302),
# r1-b2 (312): closed loop looked 4x *faster* than Poisson, because seq-b* reused the prompts of the first pair.
