package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NCCL through Java's FFM API (libnccl.so.2, the runtime-API library, so it works in the devices' primary contexts
 * that the backend uses). Only what tensor parallelism in one process needs: a clique of communicators over a device
 * list, in-place sum all-reduce on a stream, abort and destroy. Signatures and enum values are those of nccl.h
 * (2.28 to 2.30: ncclFloat32 = 7, ncclBfloat16 = 9, ncclSum = 0).
 */
final class Nccl {
    static final int SUCCESS = 0;
    static final int FLOAT32 = 7, BFLOAT16 = 9;
    static final int SUM = 0;
    static final String ENV = "BATON_NCCL_LIB";

    private static Nccl instance;

    private final MethodHandle getVersion, getErrorString, getLastError, commInitAll, allReduce, commDestroy, commAbort, commGetAsyncError;
    final String library;

    Nccl(SymbolLookup lib, String library) {
        this.library = library;
        Linker l = Linker.nativeLinker();
        getVersion = l.downcallHandle(find(lib, "ncclGetVersion"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getErrorString = l.downcallHandle(find(lib, "ncclGetErrorString"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getLastError = l.downcallHandle(find(lib, "ncclGetLastError"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        // ncclResult_t ncclCommInitAll(ncclComm_t* comm, int ndev, const int* devlist)
        commInitAll = l.downcallHandle(find(lib, "ncclCommInitAll"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        // ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype,
        //                            ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream)
        allReduce = l.downcallHandle(find(lib, "ncclAllReduce"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        commDestroy = l.downcallHandle(find(lib, "ncclCommDestroy"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        commAbort = l.downcallHandle(find(lib, "ncclCommAbort"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t* asyncError)
        commGetAsyncError = l.downcallHandle(find(lib, "ncclCommGetAsyncError"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** The process's NCCL, loaded on first use (it stays loaded: communicators outlive any one caller). */
    static synchronized Nccl get() {
        if (instance == null) {
            Found f = load(System.getenv(ENV), pythonRoots());
            instance = new Nccl(f.lookup, f.library);
        }
        return instance;
    }

    record Found(SymbolLookup lookup, String library) {}

    /**
     * The first loadable NCCL: {@code override} (BATON_NCCL_LIB) first, then the loader's search path, CUDA and NCCL
     * install folders, then the pip wheel {@code nvidia-nccl-cu13/cu12} under each Python {@code site-packages} root.
     * Throws a one-line EngineException naming what it tried when none loads.
     */
    static Found load(String override, List<Path> pythonRoots) {
        List<String> candidates = new ArrayList<>();
        if (override != null && !override.isBlank()) candidates.add(override.strip());
        candidates.addAll(List.of("libnccl.so.2", "/usr/lib/x86_64-linux-gnu/libnccl.so.2", "/usr/local/cuda/lib64/libnccl.so.2",
                "/usr/local/nccl/lib/libnccl.so.2"));
        for (Path root : pythonRoots) candidates.add(root.resolve("nvidia/nccl/lib/libnccl.so.2").toString());
        for (String c : candidates) {
            try {
                return new Found(SymbolLookup.libraryLookup(c, Arena.global()), c);
            } catch (IllegalArgumentException notFound) {
                // try the next one
            }
        }
        throw new EngineException("NCCL not found (tried " + ENV + ", libnccl.so.2 on the loader path, /usr/lib, /usr/local/cuda, "
                + "and nvidia/nccl/lib in " + pythonRoots.size() + " Python site-packages folder(s)): pip install nvidia-nccl-cu13 "
                + "or set " + ENV + " to libnccl.so.2");
    }

    /** site-packages and dist-packages folders of the usual Python installs: venv, conda, system, /usr/local, user. */
    static List<Path> pythonRoots() {
        List<Path> libs = new ArrayList<>();
        for (String env : new String[]{"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) libs.add(Path.of(v, "lib"));
        }
        libs.addAll(List.of(Path.of("/usr/local/lib"), Path.of("/usr/lib"), Path.of("/opt/conda/lib")));
        String home = System.getProperty("user.home");
        if (home != null) libs.add(Path.of(home, ".local", "lib"));
        return sitePackages(libs);
    }

    /** {@code <lib>/python3*}{@code /site-packages} and {@code /dist-packages} that exist, python versions in order. */
    static List<Path> sitePackages(List<Path> libDirs) {
        List<Path> out = new ArrayList<>();
        for (Path lib : libDirs) {
            if (!Files.isDirectory(lib)) continue;
            try (Stream<Path> s = Files.list(lib)) {
                s.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().forEach(py -> {
                    for (String kind : new String[]{"site-packages", "dist-packages"}) {
                        Path d = py.resolve(kind);
                        if (Files.isDirectory(d)) out.add(d);
                    }
                });
            } catch (IOException ignored) {
                // an unreadable folder holds no NCCL we could load
            }
        }
        return out;
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new EngineException("NCCL library has no symbol " + name + " (too old?)"));
    }

    /** NCCL's version as major.minor.patch (codes since 2.9 are major*10000 + minor*100 + patch). */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) getVersion.invokeExact(v), "ncclGetVersion", MemorySegment.NULL);
            return versionString(v.get(JAVA_INT, 0));
        } catch (EngineException e) {
            throw e;
        } catch (Throwable t) {
            throw new EngineException("ncclGetVersion failed: " + t);
        }
    }

    static String versionString(int code) {
        return code >= 20900 ? code / 10000 + "." + code / 100 % 100 + "." + code % 100
                : code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    /** One communicator per device, rank i on {@code devices[i]}; NCCL initialises them together. */
    MemorySegment[] commInitAll(int[] devices) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comms = a.allocate(ADDRESS, devices.length);
            MemorySegment list = a.allocateFrom(JAVA_INT, devices);
            check((int) commInitAll.invokeExact(comms, devices.length, list), "ncclCommInitAll", MemorySegment.NULL);
            MemorySegment[] out = new MemorySegment[devices.length];
            for (int i = 0; i < out.length; i++) out[i] = comms.getAtIndex(ADDRESS, i);
            return out;
        } catch (EngineException e) {
            throw e;
        } catch (Throwable t) {
            throw new EngineException("ncclCommInitAll failed: " + t);
        }
    }

    /** Queues a sum all-reduce of {@code count} elements at {@code address} in place on {@code stream}. */
    void allReduceInPlace(long address, long count, int dataType, MemorySegment comm, long stream) {
        MemorySegment buf = MemorySegment.ofAddress(address);
        int rc;
        try {
            rc = (int) allReduce.invokeExact(buf, buf, count, dataType, SUM, comm, MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw new EngineException("ncclAllReduce failed: " + t);
        }
        if (rc != SUCCESS) check(rc, "ncclAllReduce(" + count + (dataType == BFLOAT16 ? " bf16" : " fp32") + ")", comm);
    }

    /** Aborts the communicator's unfinished operations and frees it; returns NCCL's status (best effort). */
    int abort(MemorySegment comm) {
        try {
            return (int) commAbort.invokeExact(comm);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The communicator's asynchronous error (a failed peer, a network error), SUCCESS when healthy. */
    int asyncError(MemorySegment comm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(JAVA_INT);
            int rc = (int) commGetAsyncError.invokeExact(comm, e);
            return rc != SUCCESS ? rc : e.get(JAVA_INT, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Frees a communicator whose operations are done; returns NCCL's status (best effort). */
    int destroy(MemorySegment comm) {
        try {
            return (int) commDestroy.invokeExact(comm);
        } catch (Throwable t) {
            return -1;
        }
    }

    void check(int rc, String what, MemorySegment comm) {
        if (rc == SUCCESS) return;
        String detail = "";
        if (!MemorySegment.NULL.equals(comm)) detail = cString(() -> (MemorySegment) getLastError.invokeExact(comm));
        throw new EngineException("NCCL " + what + " failed: " + errorString(rc) + (detail.isBlank() ? "" : " (" + oneLine(detail) + ")"));
    }

    String errorString(int rc) {
        String s = cString(() -> (MemorySegment) getErrorString.invokeExact(rc));
        return s.isBlank() ? "NCCL error " + rc : s;
    }

    private interface CString { MemorySegment get() throws Throwable; }

    private static String cString(CString f) {
        try {
            MemorySegment p = f.get();
            return MemorySegment.NULL.equals(p) ? "" : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }
}
