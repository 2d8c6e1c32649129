package ai.baton.engine.tokenizer;

/**
 * An entry of tokenizer.json's {@code added_tokens}: matched in the raw text before pre-tokenization.
 *
 * @param special    skipped by decode(skipSpecialTokens=true)
 * @param lstrip     swallows the whitespace on its left
 * @param rstrip     swallows the whitespace on its right
 * @param normalized matched against the normalized text instead of the raw text
 * @param singleWord only matched when not glued to word characters on either side
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean singleWord) {}
