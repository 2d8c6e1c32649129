package ai.baton.engine.backend.cuda;

/** Token ids to rows of the embedding table, into the fp32 residual stream. */
final class Embedding {
    private final CudaContext cx;

    Embedding(CudaContext cx) { this.cx = cx; }

    void gather(CudaBatch b, CudaTensor table, CudaTensor out, int rows) {
        out.writes(CudaTensor.DType.F32);
        int hidden = table.cols();
        cx.launch("embedding_gather", rows, 1, 1, threads(hidden), 0,
                table.address(), b.tokens(), out.address(), table.rows(), hidden);
    }

    static int threads(int hidden) {
        return Math.min(256, Math.max(32, ((hidden / 8) + 31) / 32 * 32));
    }
}
