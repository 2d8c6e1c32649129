package ai.baton.engine;

/** Receives a request's outputs, in order, on the engine's thread: implementations must not block. */
@FunctionalInterface
public interface RequestListener {
    void onOutput(RequestOutput output);
}
