package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineException;
import jcuda.NativePointerObject;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.lang.reflect.Method;

/** Return-code checks and raw addresses for the JCuda driver API. */
final class Cu {
    private Cu() {}

    private static final Method NATIVE_POINTER;

    static {
        try {
            NATIVE_POINTER = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            NATIVE_POINTER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Throws a one-line EngineException naming the call and the CUDA error. */
    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) throw new EngineException("CUDA " + what + " failed: " + errorName(rc));
    }

    static String errorName(int rc) {
        try {
            String[] name = new String[1];
            if (JCudaDriver.cuGetErrorName(rc, name) == CUresult.CUDA_SUCCESS && name[0] != null) return name[0];
        } catch (Throwable ignored) {
            // fall through to the JCuda name table
        }
        return CUresult.stringFor(rc);
    }

    /** The raw pointer inside a JCuda handle (device pointer, stream, host allocation). */
    static long address(NativePointerObject p) {
        try {
            return (long) NATIVE_POINTER.invoke(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read a JCuda pointer", e);
        }
    }
}
