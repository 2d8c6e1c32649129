package ai.baton.engine.backend;

/** A batch prepared by a backend: the host description plus whatever the backend derived or uploaded for it. */
public interface BatchContext {
    ForwardBatch batch();
}
