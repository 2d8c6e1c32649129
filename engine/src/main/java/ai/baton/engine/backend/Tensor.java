package ai.baton.engine.backend;

/**
 * A backend-owned 2-D buffer, row-major [rows, cols]: activations, weights, logits. What lies behind it (a Java
 * array, a device pointer) is the backend's business; model code only passes handles to backend ops.
 */
public interface Tensor {
    int rows();

    int cols();
}
