#!/usr/bin/env bash
# Session h, call 6: cuda-check again; its near-tie analysis now reads the gap in the logits that generated the token
# (a second, logged generation with top logprobs).
set -uo pipefail
export OUT="${OUT:?}"
CARRY=.carry/cuda-final CHECK_TIMEOUT=240 STAGES=check deploy/bundle/gpu-check.sh > /dev/null 2>&1
(cd "$OUT" && tar czf jsons.tgz *.json && rm -f *.json)
grep -E "exit code|all checks|FAIL|differs|worst" "$OUT/log.txt" | head -60
