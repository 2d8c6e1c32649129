#!/usr/bin/env bash
# Packs what a GPU check needs into an ignored folder (default .carry/gpu) of the repo: the bundle (runtime + jars +
# kernels), the reference fixtures, and gpt-fast's model.py for the PyTorch peer (never committed).
#
#   deploy/bundle/pack-carry.sh FIXTURES_DIR GPT_FAST_DIR [DEST]     (SKIP_BUILD=1 reuses built jars)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FIXTURES="${1:?fixtures dir (../shared/fixtures)}"
GPT_FAST="${2:?folder holding the gpt-fast model.py}"
DEST="${3:-$ROOT/.carry/gpu}"
mkdir -p "$DEST/gpt-fast"
"$ROOT/deploy/bundle/build-bundle.sh" "$DEST/baton-bundle.tar.xz"
tar -C "$FIXTURES" -cf - qwen3-tiny qwen3-tiny-bf16 llama3-tiny qwen2-tiny qwen3-text-tiny hub-configs | xz -T0 -6 > "$DEST/fixtures.tar.xz"
cp "$GPT_FAST/model.py" "$DEST/gpt-fast/"
[ -f "$GPT_FAST/LICENSE" ] && cp "$GPT_FAST/LICENSE" "$DEST/gpt-fast/"
du -sh "$DEST"/* "$DEST"
