package ai.baton.engine.backend;

import ai.baton.engine.EngineException;
import ai.baton.engine.backend.cpu.CpuBackend;

/** Creates backends by name; the CUDA backend is looked up reflectively so the CPU path needs no GPU libraries. */
public final class Backends {
    private Backends() {}

    public static final String CUDA_CLASS = "ai.baton.engine.backend.cuda.CudaBackend";

    /** A backend for one tensor-parallel rank; {@code device} is the GPU index (ignored on CPU). */
    public static Backend create(String name, int threads, int device) {
        return switch (name) {
            case "cpu" -> new CpuBackend(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            case "cuda" -> createCuda(device);
            default -> throw new EngineException("unknown backend " + name + " (choose cpu or cuda)");
        };
    }

    private static Backend createCuda(int device) {
        Class<?> cls;
        try {
            cls = Class.forName(CUDA_CLASS);
        } catch (ClassNotFoundException e) {
            throw new EngineException("the CUDA backend is not part of this build");
        }
        try {
            return (Backend) cls.getConstructor(int.class).newInstance(device);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof EngineException ee) throw ee;
            throw new EngineException("CUDA backend unavailable: " + (c.getMessage() == null ? c : c.getMessage()));
        } catch (ReflectiveOperationException e) {
            throw new EngineException("CUDA backend unavailable: " + e.getMessage());
        }
    }
}
