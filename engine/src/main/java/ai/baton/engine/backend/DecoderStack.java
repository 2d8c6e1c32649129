package ai.baton.engine.backend;

import java.util.List;

/**
 * A model's decoder layers as one rank holds them: every layer's weights (null where the architecture has none) and
 * the geometry they share. The model runs them op by op, or hands them whole to {@link Backend#decoderLayers}.
 */
public record DecoderStack(List<Layer> layers, int hidden, int qHeads, int kvHeads, int headDim, int intermediate, float eps) {

    public DecoderStack {
        layers = List.copyOf(layers);
    }

    /** One layer; linear weights are [out, in], the fused qkv is q then k then v rows, gateUp gate then up rows. */
    public record Layer(Tensor inputNorm, Tensor qkv, Tensor qkvBias, Tensor qNorm, Tensor kNorm, Tensor o,
                        Tensor postNorm, Tensor gateUp, Tensor down) {}
}
