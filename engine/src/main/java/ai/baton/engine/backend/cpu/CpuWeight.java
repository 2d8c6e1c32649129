package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.Tensor;
import ai.baton.engine.weights.DType;

import java.lang.foreign.MemorySegment;

/** A weight kept in its stored dtype (bf16 / fp16 / fp32), off-heap, row-major [rows, cols]; widened to fp32 on use. */
record CpuWeight(MemorySegment data, DType dtype, int rows, int cols) implements Tensor {
    long rowOffsetBytes(int row) { return (long) row * cols * dtype.bytes; }
}
