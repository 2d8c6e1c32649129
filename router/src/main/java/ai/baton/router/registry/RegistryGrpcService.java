package ai.baton.router.registry;

import ai.baton.proto.HeartbeatResponse;
import ai.baton.proto.LoadReport;
import ai.baton.proto.NodeInfo;
import ai.baton.proto.RegisterResponse;
import ai.baton.proto.RegistryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** The router's side of RegistryService: nodes register themselves and send load reports. */
public final class RegistryGrpcService extends RegistryServiceGrpc.RegistryServiceImplBase {
    private final NodeRegistry registry;
    private final long heartbeatIntervalMs;

    public RegistryGrpcService(NodeRegistry registry, long heartbeatIntervalMs) {
        this.registry = registry;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    @Override
    public void register(NodeInfo request, StreamObserver<RegisterResponse> out) {
        try {
            registry.register(request);
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(RegisterResponse.newBuilder().setHeartbeatIntervalMs(heartbeatIntervalMs).build());
        out.onCompleted();
    }

    @Override
    public void heartbeat(LoadReport request, StreamObserver<HeartbeatResponse> out) {
        boolean known = registry.heartbeat(request.getNodeId(), request.getStats());
        out.onNext(HeartbeatResponse.newBuilder().setKnown(known).build());
        out.onCompleted();
    }
}
