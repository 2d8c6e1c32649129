/**
 * Tokenization for Baton: Hugging Face {@code tokenizer.json} byte-level BPE tokenizers (Qwen2/2.5/3,
 * Llama 3, GPT-2 style) that give exactly HF's ids and decoded text, and a trainer for Baton's own.
 *
 * <p>Encoding follows HF's pipeline step by step:
 * <ol>
 *   <li>{@link ai.baton.engine.tokenizer.AddedTokenMatcher} cuts added tokens out of the raw text
 *       (leftmost-longest, then single_word / lstrip / rstrip);</li>
 *   <li>{@link ai.baton.engine.tokenizer.TextNormalizer} normalizes the remaining pieces (NFC for Qwen),
 *       and added tokens flagged {@code normalized} are cut out of the result;</li>
 *   <li>{@link ai.baton.engine.tokenizer.PreTokenizer} splits words ({@link ai.baton.engine.tokenizer.FastSplit}
 *       for the known regexes, java.util.regex otherwise) and maps them to the byte-level alphabet;</li>
 *   <li>{@link ai.baton.engine.tokenizer.BpeModel} merges each word by rank, with a word cache;</li>
 *   <li>{@link ai.baton.engine.tokenizer.PostProcessor} adds special tokens when asked.</li>
 * </ol>
 * Decoding maps tokens back to bytes and decodes UTF-8 the way Rust's from_utf8_lossy does;
 * {@link ai.baton.engine.tokenizer.IncrementalDecoder} does the same for a stream of tokens.
 *
 * <p>The HF reference data under src/test/resources/ai/baton/engine/tokenizer was made with HF tokenizers
 * 0.23 and transformers 5.17 by the gen_*.py scripts next to it.
 */
package ai.baton.engine.tokenizer;
