package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.Tensor;

/**
 * One tensor-parallel rank's side of an {@link NcclGroup}: all-reduce runs in place on the rank's CUDA stream, after
 * the ops before it and before the ops after it, so it needs no host synchronisation and a decode step captured as a
 * CUDA graph records it like any kernel. Called from the rank's thread; the group owns the communicator.
 */
final class NcclCommunicator implements Communicator {
    private final NcclGroup group;
    private final int rank;

    NcclCommunicator(NcclGroup group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    @Override public int rank() { return rank; }

    @Override public int worldSize() { return group.size(); }

    @Override
    public void allReduce(Tensor x) {
        group.allReduce(rank, x);
    }
}
