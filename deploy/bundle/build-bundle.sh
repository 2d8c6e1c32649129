#!/usr/bin/env bash
# Builds a self-contained Baton bundle for GPU hosts that have no JDK: a jlink'ed JDK 25 runtime, the jars (with the
# CUDA kernels inside baton-engine), and a `baton` launcher. Output: baton-bundle.tar.xz (default under target/).
#
#   deploy/bundle/build-bundle.sh [OUTPUT.tar.xz]        (SKIP_BUILD=1 reuses the jars already built)
#
# On the GPU host:  tar xJf baton-bundle.tar.xz && baton/baton generate --backend cuda --model DIR ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/target/baton-bundle.tar.xz}"

find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/jdk-25*; do
    [ -n "$c" ] && [ -x "$c/bin/jlink" ] || continue
    v="$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [ "${v%%.*}" -ge 25 ] 2>/dev/null && { echo "$c"; return 0; }
  done
  return 1
}
JDK="$(find_jdk)" || { echo "build-bundle: no JDK 25 with jlink found (set JAVA_HOME)" >&2; exit 1; }
export JAVA_HOME="$JDK"

if [ -z "${SKIP_BUILD:-}" ]; then
  command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || echo "build-bundle: warning: no nvcc, the bundle's cuda backend will have no kernels" >&2
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi
CLI="$ROOT/cli/target/baton-cli.jar"
[ -f "$CLI" ] || { echo "build-bundle: $CLI missing (build first)" >&2; exit 1; }

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
B="$STAGE/baton"
mkdir -p "$B/lib"
cp "$CLI" "$B/"
cp "$ROOT"/cli/target/lib/*.jar "$B/lib/"

# The driver API never loads JCuda's 24 MB PTX-compiler library, nor the runtime-API one: leave them out.
for j in "$B"/lib/jcuda-natives-*.jar; do
  [ -f "$j" ] || continue
  mkdir "$STAGE/natives" && (cd "$STAGE/natives" && "$JDK/bin/jar" xf "$j")
  rm -f "$STAGE"/natives/lib/libJNvPTXCompiler* "$STAGE"/natives/lib/libJCudaRuntime* "$STAGE"/natives/lib/libJNvrtc*
  rm "$j" && (cd "$STAGE/natives" && "$JDK/bin/jar" cf "$j" .)
  rm -rf "$STAGE/natives"
done

# Jars stored uncompressed: the archive's xz then compresses classes and kernels together, about half the size of
# xz over deflated jars.
for j in "$B"/baton-cli.jar "$B"/lib/*.jar; do
  python3 - "$j" <<'PY'
import os, sys, zipfile
src = sys.argv[1]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(src + ".tmp", "w", zipfile.ZIP_STORED) as zout:
    for info in zin.infolist():
        zout.writestr(info, zin.read(info.filename), compress_type=zipfile.ZIP_STORED)
os.replace(src + ".tmp", src)
PY
done

# A small runtime: the modules Baton uses (Vector API for the CPU backend, FFM and JNI are in java.base). Jackson's
# java.sql and java.desktop uses are optional and stay out.
MODS="java.base,jdk.httpserver,java.logging,java.management,java.naming,java.net.http,jdk.unsupported,jdk.crypto.ec,jdk.incubator.vector"
STRIP=()
command -v objcopy >/dev/null && STRIP=(--strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files)
"$JDK/bin/jlink" --add-modules "$MODS" "${STRIP[@]:---strip-debug}" --no-header-files --no-man-pages --compress zip-6 \
  --output "$B/runtime" 2>&1 | grep -v "incubator modules" || true

command -v strip >/dev/null && find "$B/runtime" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true

cat > "$B/baton" <<'LAUNCHER'
#!/usr/bin/env bash
# Baton from a bundle: its own Java runtime, no JDK needed on this host.
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The JVM announces the incubating Vector API on stderr at every start; keep stderr to what Baton says.
exec 2> >(grep -v --line-buffered '^WARNING: Using incubator modules' >&2)
exec "$DIR/runtime/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m \
  ${BATON_JAVA_OPTS:-} -jar "$DIR/baton-cli.jar" "$@"
LAUNCHER
chmod +x "$B/baton"
# Run a main class from the bundle's jars directly (benchmarks, checks): baton/run-class CLASS ARGS...
cat > "$B/run-class" <<'LAUNCHER'
#!/usr/bin/env bash
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLS="$1"; shift
exec 2> >(grep -v --line-buffered '^WARNING: Using incubator modules' >&2)
exec "$DIR/runtime/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m \
  ${BATON_JAVA_OPTS:-} -cp "$DIR/baton-cli.jar:$DIR/lib/*" "$CLS" "$@"
LAUNCHER
chmod +x "$B/run-class"

mkdir -p "$(dirname "$OUT")"
tar -C "$STAGE" -cf - baton | xz -T0 -6 > "$OUT"
echo "bundle: $OUT ($(du -h "$OUT" | cut -f1) compressed, $(du -sh "$B" | cut -f1) unpacked: runtime $(du -sh "$B/runtime" | cut -f1), jars $(du -shc "$B/lib" "$B/baton-cli.jar" | tail -1 | cut -f1))"
