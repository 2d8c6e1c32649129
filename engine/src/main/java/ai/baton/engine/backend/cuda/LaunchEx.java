package ai.baton.engine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code cuLaunchKernelEx} through FFM (JCuda 12.6 has no binding for it), used to launch kernels with programmatic
 * dependent launch: the attribute {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION} lets a kernel start
 * while the previous one in the stream drains, each kernel waiting (griddepcontrol.wait) before it touches
 * activations. Stream capture records it as a programmatic edge of the graph. The launch structs and the argument
 * buffers are allocated once and reused: launches come from the backend's one thread.
 */
final class LaunchEx implements AutoCloseable {
    private static final int MAX_ARGS = 32;
    private static final int ATTR_COOPERATIVE = 2;
    private static final int ATTR_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    // CUlaunchConfig: 7 unsigned ints, stream at 32, attrs at 40, numAttrs at 48 (56 bytes).
    // CUlaunchAttribute: id (4 bytes, padded to 8), then a 64-byte value union (72 bytes).

    private final Arena arena = Arena.ofShared();
    private final MethodHandle launchEx;
    private final MemorySegment config, attrs, values, pointers;

    private LaunchEx(MethodHandle launchEx) {
        this.launchEx = launchEx;
        config = arena.allocate(56, 8);
        attrs = arena.allocate(2 * 72, 8);  // at most two attributes, each with the value 1
        values = arena.allocate(8L * MAX_ARGS, 8);
        pointers = arena.allocate(8L * MAX_ARGS, 8);
        attrs.set(JAVA_INT, 8, 1);
        attrs.set(JAVA_INT, 72 + 8, 1);
        for (int i = 0; i < MAX_ARGS; i++) pointers.setAtIndex(ADDRESS, i, values.asSlice(8L * i));
    }

    /** The binding, or null where libcuda has no cuLaunchKernelEx (drivers older than CUDA 11.8). */
    static LaunchEx open() {
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            var sym = lib.find("cuLaunchKernelEx");
            if (sym.isEmpty()) return null;
            MethodHandle h = Linker.nativeLinker().downcallHandle(sym.get(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            return new LaunchEx(h);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Launches with programmatic stream serialization when {@code pdl}, and as a cooperative launch when
     * {@code cooperative} (all blocks resident at once, or the launch fails: kernels with grid-wide barriers); returns
     * the CUresult.
     */
    int launch(long function, long stream, int gx, int gy, int gz, int block, int sharedBytes, boolean pdl,
               boolean cooperative, Object[] args) {
        if (args.length > MAX_ARGS) throw new IllegalArgumentException("more than " + MAX_ARGS + " kernel arguments");
        for (int i = 0; i < args.length; i++) {
            long at = 8L * i;
            switch (args[i]) {
                case Long l -> values.set(ValueLayout.JAVA_LONG, at, l);
                case Integer v -> values.set(JAVA_INT, at, v);
                case Float f -> values.set(ValueLayout.JAVA_FLOAT, at, f);
                default -> throw new IllegalArgumentException("kernel argument of type " + args[i].getClass());
            }
        }
        config.set(JAVA_INT, 0, gx);
        config.set(JAVA_INT, 4, gy);
        config.set(JAVA_INT, 8, gz);
        config.set(JAVA_INT, 12, block);
        config.set(JAVA_INT, 16, 1);
        config.set(JAVA_INT, 20, 1);
        config.set(JAVA_INT, 24, sharedBytes);
        config.set(ValueLayout.JAVA_LONG, 32, stream);
        int n = 0;
        if (pdl) attrs.set(JAVA_INT, 72L * n++, ATTR_PROGRAMMATIC_STREAM_SERIALIZATION);
        if (cooperative) attrs.set(JAVA_INT, 72L * n++, ATTR_COOPERATIVE);
        config.set(ADDRESS, 40, n > 0 ? attrs : MemorySegment.NULL);
        config.set(JAVA_INT, 48, n);
        try {
            return (int) launchEx.invokeExact(config, MemorySegment.ofAddress(function), pointers, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("cuLaunchKernelEx failed: " + t, t);
        }
    }

    @Override
    public void close() { arena.close(); }
}
