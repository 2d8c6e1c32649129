package ai.baton.engine.weights;

import ai.baton.engine.EngineException;

import java.util.Set;

/** Where a model's tensors come from: safetensors files, or synthetic random weights. */
public interface WeightSource extends AutoCloseable {

    boolean has(String name);

    /** The tensor, or an EngineException that names it. */
    TensorData tensor(String name);

    Set<String> names();

    /** The dtype weights are stored in (what a GPU backend would upload). */
    DType dtype();

    default TensorData require(String name, long... shape) {
        if (!has(name)) throw new EngineException("missing tensor " + name);
        TensorData t = tensor(name);
        if (shape.length > 0 && !java.util.Arrays.equals(t.shape(), shape))
            throw new EngineException("tensor " + name + " has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + java.util.Arrays.toString(shape));
        return t;
    }

    @Override
    void close();
}
