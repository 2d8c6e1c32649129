package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.ForwardBatch;

/** A batch on the CPU: the rotary cos/sin of each token's position and each token's sequence index. */
final class CpuBatch implements BatchContext {
    private final ForwardBatch batch;
    final float[] cos, sin;
    final int[] sequenceOfToken;

    CpuBatch(ForwardBatch batch, float[] invFreq) {
        this.batch = batch;
        int t = batch.numTokens(), half = invFreq.length;
        cos = new float[t * half];
        sin = new float[t * half];
        for (int i = 0; i < t; i++) {
            float pos = batch.positions()[i];
            for (int j = 0; j < half; j++) {
                float angle = pos * invFreq[j]; // fp32 product, as HF computes freqs
                cos[i * half + j] = (float) Math.cos(angle);
                sin[i * half + j] = (float) Math.sin(angle);
            }
        }
        sequenceOfToken = new int[t];
        for (int s = 0; s < batch.numSequences(); s++)
            for (int i = batch.queryStarts()[s]; i < batch.queryStarts()[s + 1]; i++) sequenceOfToken[i] = s;
    }

    @Override public ForwardBatch batch() { return batch; }
}
