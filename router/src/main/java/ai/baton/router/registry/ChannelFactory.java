package ai.baton.router.registry;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/** Opens the gRPC channel to a node's address; tests swap in in-process channels. */
@FunctionalInterface
public interface ChannelFactory {
    ManagedChannel open(String address);

    static ChannelFactory plaintext() {
        return address -> Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
    }
}
