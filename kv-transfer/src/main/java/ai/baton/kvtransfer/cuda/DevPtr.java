package ai.baton.kvtransfer.cuda;

import jcuda.driver.CUdeviceptr;

/** A JCuda device pointer that converts to and from the raw 64-bit address the rest of Baton passes around. */
final class DevPtr extends CUdeviceptr {
    long raw() {
        return getNativePointer() + getByteOffset();
    }

    static CUdeviceptr of(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }
}
