package ai.baton.engine.model;

import ai.baton.engine.EngineException;

/**
 * Which part of a model one tensor-parallel rank holds (Megatron-style): a contiguous range of query heads, the KV
 * heads they read (replicated when ranks outnumber KV heads), and a slice of the MLP's intermediate features.
 */
public record Shard(int rank, int worldSize, int qHeads, int qHeadStart, int kvHeads, int kvHeadStart, int ffSize, int ffStart) {

    public static Shard of(ModelConfig c, int rank, int worldSize) {
        int heads = c.numHeads(), kv = c.numKvHeads();
        if (heads % worldSize != 0)
            throw new EngineException("tensor parallel degree " + worldSize + " does not divide num_attention_heads " + heads);
        if (c.intermediateSize() % worldSize != 0)
            throw new EngineException("tensor parallel degree " + worldSize + " does not divide intermediate_size " + c.intermediateSize());
        int qPer = heads / worldSize;
        int kvPer, kvStart;
        if (worldSize <= kv) {
            if (kv % worldSize != 0)
                throw new EngineException("tensor parallel degree " + worldSize + " does not divide num_key_value_heads " + kv);
            kvPer = kv / worldSize;
            kvStart = rank * kvPer;
        } else {
            if (worldSize % kv != 0)
                throw new EngineException("tensor parallel degree " + worldSize + " is not a multiple of num_key_value_heads " + kv);
            kvPer = 1;
            kvStart = rank / (worldSize / kv); // replicated KV head
        }
        int ffPer = c.intermediateSize() / worldSize;
        return new Shard(rank, worldSize, qPer, rank * qPer, kvPer, kvStart, ffPer, rank * ffPer);
    }

    public static Shard single(ModelConfig c) { return of(c, 0, 1); }
}
