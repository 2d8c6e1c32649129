package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS through Java's FFM API (JCublas 12.6 cannot load cuBLAS 13): bf16 GEMMs with fp32 accumulation on the
 * backend's stream, in the device's primary context. A fixed workspace keeps GEMMs capturable in CUDA graphs.
 */
final class Cublas implements AutoCloseable {
    static final int OP_N = 0, OP_T = 1;
    static final int R_32F = 0, R_16BF = 14;
    private static final int COMPUTE_32F = 68, GEMM_DEFAULT = -1;

    private final Arena arena = Arena.ofShared();
    private final MethodHandle gemmEx, destroy;
    private final MemorySegment handle;
    private final MemorySegment one, zero;
    private boolean open;

    Cublas(long stream, long workspace, long workspaceBytes) {
        SymbolLookup lib = load(arena);
        Linker linker = Linker.nativeLinker();
        MethodHandle create = linker.downcallHandle(find(lib, "cublasCreate_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = linker.downcallHandle(find(lib, "cublasSetStream_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle setWorkspace = linker.downcallHandle(find(lib, "cublasSetWorkspace_v2"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        destroy = linker.downcallHandle(find(lib, "cublasDestroy_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        gemmEx = linker.downcallHandle(find(lib, "cublasGemmEx"), FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        one = arena.allocate(ValueLayout.JAVA_FLOAT);
        one.set(ValueLayout.JAVA_FLOAT, 0, 1f);
        zero = arena.allocate(ValueLayout.JAVA_FLOAT);
        zero.set(ValueLayout.JAVA_FLOAT, 0, 0f);
        try {
            MemorySegment h = arena.allocate(ADDRESS);
            check((int) create.invokeExact(h), "cublasCreate");
            handle = h.get(ADDRESS, 0);
            open = true;
            check((int) setStream.invokeExact(handle, MemorySegment.ofAddress(stream)), "cublasSetStream");
            check((int) setWorkspace.invokeExact(handle, MemorySegment.ofAddress(workspace), workspaceBytes), "cublasSetWorkspace");
        } catch (EngineException e) {
            close();
            throw e;
        } catch (Throwable t) {
            close();
            throw new EngineException("cuBLAS initialisation failed: " + t);
        }
    }

    private static SymbolLookup load(Arena arena) {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("BATON_CUBLAS");
        if (env != null && !env.isBlank()) candidates.add(env);
        candidates.addAll(List.of("libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.13",
                "/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13", "libcublas.so.12", "libcublas.so"));
        for (String c : candidates) {
            try {
                return SymbolLookup.libraryLookup(c, arena);
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new EngineException("cuBLAS not found (tried " + String.join(", ", candidates) + "; set BATON_CUBLAS to libcublas.so)");
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new EngineException("cuBLAS has no symbol " + name));
    }

    private static void check(int status, String what) {
        if (status != 0) throw new EngineException(what + " failed with cuBLAS status " + status);
    }

    /**
     * Row-major {@code C[m][n] (+)= A[m][k] · B[n][k]ᵀ}: activations times a PyTorch-layout weight. In cuBLAS's
     * column-major terms this is Cᵀ = Bᵀᵀ·Aᵀ, i.e. op(B)=T, op(A)=N with the operands swapped.
     */
    void linear(long a, int aType, long b, int bType, long c, int cType, int m, int n, int k, boolean accumulate) {
        MemorySegment beta = accumulate ? one : zero;  // a local: invokeExact needs the exact static type
        try {
            int st = (int) gemmEx.invokeExact(handle, OP_T, OP_N, n, m, k, one,
                    MemorySegment.ofAddress(b), bType, k,
                    MemorySegment.ofAddress(a), aType, k,
                    beta,
                    MemorySegment.ofAddress(c), cType, n, COMPUTE_32F, GEMM_DEFAULT);
            check(st, "cublasGemmEx(" + m + "x" + n + "x" + k + ")");
        } catch (EngineException e) {
            throw e;
        } catch (Throwable t) {
            throw new EngineException("cublasGemmEx failed: " + t);
        }
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            try {
                int ignored = (int) destroy.invokeExact(handle);
            } catch (Throwable ignored) {
                // closing anyway
            }
        }
        arena.close();
    }
}
