package ai.baton.experiments.allreduce;

/**
 * nccl-tests' bandwidths of an all-reduce (its doc/PERFORMANCE.md): algbw = bytes / time; busbw = algbw * 2(n-1)/n,
 * the rate each link moves data at in a ring all-reduce, comparable across rank counts and with the hardware's
 * peak link bandwidth.
 */
record Bandwidth(long bytes, int ranks, double seconds) {
    Bandwidth {
        if (ranks < 1) throw new IllegalArgumentException("ranks must be >= 1");
        if (!(seconds > 0)) throw new IllegalArgumentException("time must be > 0, got " + seconds);
    }

    /** Bytes per second of the user's buffer. */
    double algbw() { return bytes / seconds; }

    /** Bytes per second on each link: algbw times 2(n-1)/n. */
    double busbw() { return algbw() * busFactor(ranks); }

    static double busFactor(int ranks) { return 2.0 * (ranks - 1) / ranks; }
}
