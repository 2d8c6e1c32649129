package ai.baton.engine.backend;

/** Collectives between the tensor-parallel ranks of one node. */
public interface Communicator extends AutoCloseable {
    int rank();

    int worldSize();

    /** Sums {@code x} elementwise across ranks, in place; every rank sees the same result. */
    void allReduce(Tensor x);

    @Override
    default void close() {}

    /** A single rank: all-reduce is the identity. */
    Communicator SINGLE = new Communicator() {
        @Override public int rank() { return 0; }
        @Override public int worldSize() { return 1; }
        @Override public void allReduce(Tensor x) {}
    };
}
