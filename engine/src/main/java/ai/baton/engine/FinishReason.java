package ai.baton.engine;

/** Why a request stopped, in OpenAI's words where they exist. */
public enum FinishReason {
    /** An end-of-sequence token, a stop token id or a stop string. */
    STOP("stop"),
    /** max_tokens reached, or the context is full. */
    LENGTH("length"),
    /** Cancelled by the client or by shutdown. */
    ABORT("abort"),
    /** Failed inside the engine. */
    ERROR("error");

    public final String openAi;

    FinishReason(String openAi) { this.openAi = openAi; }
}
