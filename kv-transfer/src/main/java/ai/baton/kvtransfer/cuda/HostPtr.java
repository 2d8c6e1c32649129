package ai.baton.kvtransfer.cuda;

import jcuda.Pointer;

/** A JCuda host pointer built from, or read back as, a raw address. */
final class HostPtr extends Pointer {
    long raw() {
        return getNativePointer() + getByteOffset();
    }

    static Pointer of(long address) {
        return new Pointer().withByteOffset(address);
    }
}
