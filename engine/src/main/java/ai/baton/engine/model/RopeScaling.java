package ai.baton.engine.model;

/**
 * Rotary embedding parameters. {@code type} is "default" or "llama3" (the frequency-dependent scaling of Llama 3.1+).
 */
public record RopeScaling(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {

    public static RopeScaling plain(double theta) {
        return new RopeScaling("default", theta, 1, 1, 1, 0);
    }

    /** Inverse frequency of each rotary pair, as HF's _compute_default_rope_parameters / _compute_llama3_parameters. */
    public double[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // HF computes base ** (arange(0, dim, 2, int64).float() / dim) in float32; match that rounding.
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = (float) (1.0 / Math.pow(theta, exponent));
        }
        if (!"llama3".equals(type)) return inv;
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double scaled;
            if (wavelen > lowFreqWavelen) {
                scaled = inv[i] / factor;
            } else if (wavelen < highFreqWavelen) {
                scaled = inv[i];
            } else {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                scaled = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
            inv[i] = (float) scaled;
        }
        return inv;
    }
}
