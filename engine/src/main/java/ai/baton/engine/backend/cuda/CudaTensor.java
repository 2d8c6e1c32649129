package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.Tensor;

/**
 * A device tensor: a row-major view of the first {@code rows} rows of a {@link Storage}. Activation storage is
 * sized in fp32 and takes the element type its producing op writes (fp32 for matrix products and the residual
 * stream, bf16 for what feeds a matrix product), so consumers read whatever their producer wrote.
 */
final class CudaTensor implements Tensor {
    enum DType {
        F32(4), BF16(2);
        final int bytes;
        DType(int bytes) { this.bytes = bytes; }
    }

    /** Device memory behind one or more views. */
    static final class Storage {
        final DeviceMemory memory;
        final int capacityRows, cols;
        final boolean weight;
        DType dtype;

        Storage(DeviceMemory memory, int capacityRows, int cols, DType dtype, boolean weight) {
            this.memory = memory;
            this.capacityRows = capacityRows;
            this.cols = cols;
            this.dtype = dtype;
            this.weight = weight;
        }
    }

    final Storage storage;
    private final int rows;

    CudaTensor(Storage storage, int rows) {
        if (rows > storage.capacityRows)
            throw new IllegalArgumentException("view of " + rows + " rows on storage of " + storage.capacityRows);
        this.storage = storage;
        this.rows = rows;
    }

    @Override public int rows() { return rows; }

    @Override public int cols() { return storage.cols; }

    long address() { return storage.memory.address; }

    /** The device address of row {@code row}. */
    jcuda.driver.CUdeviceptr rowPointer(int row) { return storage.memory.at(bytes(row)); }

    DType dtype() { return storage.dtype; }

    /** Records the element type an op is about to write. */
    void writes(DType t) { storage.dtype = t; }

    long bytes(int rowCount) { return (long) rowCount * storage.cols * storage.dtype.bytes; }

    @Override
    public String toString() {
        return "CudaTensor[" + rows + "x" + storage.cols + " " + storage.dtype + (storage.weight ? " weight" : "") + "]";
    }
}
