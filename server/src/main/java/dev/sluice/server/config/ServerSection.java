package dev.sluice.server.config;

import java.time.Duration;

/** {@code server:}: the listener's heartbeat, write deadline, body cap, socket buffers and drain time on stop. */
record ServerSection(Duration heartbeat, Duration writeTimeout, Long maxBodyBytes, Integer clientSendBufferBytes,
    Integer upstreamReceiveBufferBytes, Duration drainTimeout) {
  void applyTo(SluiceConfig.Builder b) {
    SluiceConfig current = b.build();
    if (drainTimeout != null) b.drainTimeout(drainTimeout);
    if (heartbeat != null) b.heartbeat(heartbeat);
    if (writeTimeout != null) b.writeTimeout(writeTimeout);
    if (maxBodyBytes != null) b.maxBodyBytes(maxBodyBytes);
    b.socketBuffers(clientSendBufferBytes == null ? current.clientSendBufferBytes() : clientSendBufferBytes,
        upstreamReceiveBufferBytes == null ? current.upstreamReceiveBufferBytes() : upstreamReceiveBufferBytes);
  }
}
