package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.Tensor;

/** An fp32 activation on the Java heap, row-major; views share the array. */
record CpuTensor(float[] data, int rows, int cols) implements Tensor {
    CpuTensor {
        if ((long) rows * cols > data.length) throw new IllegalArgumentException("view larger than buffer");
    }
}
