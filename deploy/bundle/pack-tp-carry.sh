#!/usr/bin/env bash
# Packs what deploy/bundle/gpu-tp-check.sh needs into an ignored folder (default .carry/tp) of the repo: the bundle
# (runtime + jars + kernels), the tiny fixtures and hub configs, and an nccl-tests source tarball (never committed).
#
#   deploy/bundle/pack-tp-carry.sh FIXTURES_DIR NCCL_TESTS_GIT_DIR [DEST]     (SKIP_BUILD=1 reuses built jars)
#   e.g. deploy/bundle/pack-tp-carry.sh ../shared/fixtures /work/.mirror/NVIDIA+nccl-tests/repo
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIXTURES="${1:?fixtures dir (../shared/fixtures)}"
NCCL_TESTS="${2:?a git directory of github.com/NVIDIA/nccl-tests}"
DEST="${3:-$ROOT/.carry/tp}"
mkdir -p "$DEST"
"$ROOT/deploy/bundle/build-bundle.sh" "$DEST/baton-bundle.tar.xz"
tar -C "$FIXTURES" -cf - qwen3-tiny-bf16 llama3-tiny qwen2-tiny hub-configs | xz -T0 -6 > "$DEST/fixtures.tar.xz"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
git --git-dir="$NCCL_TESTS" archive --format=tar --prefix=nccl-tests/ HEAD | tar -xf - -C "$STAGE"
git --git-dir="$NCCL_TESTS" log -1 --format='%H %s' > "$STAGE/nccl-tests/COMMIT"
tar -C "$STAGE" -czf "$DEST/nccl-tests.tar.gz" nccl-tests
du -sh "$DEST"/* "$DEST"
