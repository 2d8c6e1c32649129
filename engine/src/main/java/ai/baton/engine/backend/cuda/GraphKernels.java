package ai.baton.engine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Counts the kernel nodes of a CUDA graph through FFM ({@code cuGraphGetNodes}, {@code cuGraphNodeGetType}): JCuda
 * 12.6's binding of cuGraphGetNodes with a node array corrupted the heap. Programmatic launches add nodes of other
 * types, so the kernel count, not the node count, is a decode step's kernel chain.
 */
final class GraphKernels {
    private static final int NODE_TYPE_KERNEL = 0;
    private static final MethodHandle GET_NODES, GET_TYPE;

    static {
        MethodHandle nodes = null, type = null;
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            Linker l = Linker.nativeLinker();
            nodes = l.downcallHandle(lib.find("cuGraphGetNodes").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
            type = l.downcallHandle(lib.find("cuGraphNodeGetType").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        } catch (RuntimeException e) {
            // no driver: count() answers 0
        }
        GET_NODES = nodes;
        GET_TYPE = type;
    }

    private GraphKernels() {}

    /** Kernel nodes of the graph at {@code graph} (its raw CUgraph handle), or 0 where they cannot be read. */
    static int count(long graph) {
        if (GET_NODES == null || graph == 0) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_LONG);
            if ((int) GET_NODES.invokeExact(MemorySegment.ofAddress(graph), MemorySegment.NULL, n) != 0) return 0;
            long count = n.get(JAVA_LONG, 0);
            if (count == 0) return 0;
            MemorySegment nodes = a.allocate(ADDRESS, count);
            if ((int) GET_NODES.invokeExact(MemorySegment.ofAddress(graph), nodes, n) != 0) return 0;
            MemorySegment t = a.allocate(JAVA_INT);
            int kernels = 0;
            for (long i = 0; i < n.get(JAVA_LONG, 0); i++) {
                if ((int) GET_TYPE.invokeExact(nodes.getAtIndex(ADDRESS, i), t) == 0 && t.get(JAVA_INT, 0) == NODE_TYPE_KERNEL) kernels++;
            }
            return kernels;
        } catch (Throwable e) {
            return 0;
        }
    }
}
