package ai.baton.engine.weights;

import ai.baton.engine.EngineException;

/** Element types of stored weights. Math is always fp32; these say how to widen. */
public enum DType {
    F32(4), F16(2), BF16(2);

    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    public static DType fromSafetensors(String s) {
        return switch (s) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new EngineException("unsupported tensor dtype " + s + " (supported: F32, F16, BF16)");
        };
    }

    public static DType fromTorchName(String s) {
        return switch (s == null ? "float32" : s) {
            case "bfloat16" -> BF16;
            case "float16", "half" -> F16;
            default -> F32;
        };
    }

    public String safetensorsName() { return name(); }
}
