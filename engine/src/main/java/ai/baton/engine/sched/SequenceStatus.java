package ai.baton.engine.sched;

public enum SequenceStatus { WAITING, RUNNING, FINISHED }
