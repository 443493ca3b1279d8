package dev.sluice.server.config;

import java.time.Duration;

/**
 * {@code server:}: the listener's heartbeat, write deadline, body cap, socket buffers, drain time on
 * stop, and its caps on connections and on requests in flight per key and per client.
 */
record ServerSection(Duration heartbeat, Duration writeTimeout, Long maxBodyBytes, Integer clientSendBufferBytes,
    Integer upstreamReceiveBufferBytes, Duration drainTimeout, Integer maxConnections, Integer maxStreamsPerKey,
    Integer maxStreamsPerClient) {
  void applyTo(SluiceConfig.Builder b) {
    SluiceConfig current = b.build();
    if (drainTimeout != null) b.drainTimeout(drainTimeout);
    if (heartbeat != null) b.heartbeat(heartbeat);
    if (writeTimeout != null) b.writeTimeout(writeTimeout);
    if (maxBodyBytes != null) b.maxBodyBytes(maxBodyBytes);
    b.socketBuffers(clientSendBufferBytes == null ? current.clientSendBufferBytes() : clientSendBufferBytes,
        upstreamReceiveBufferBytes == null ? current.upstreamReceiveBufferBytes() : upstreamReceiveBufferBytes);
    Caps caps = current.caps();
    b.caps(new Caps(cap(maxConnections, caps.maxConnections(), "server.max_connections"),
        cap(maxStreamsPerKey, caps.maxStreamsPerKey(), "server.max_streams_per_key"),
        cap(maxStreamsPerClient, caps.maxStreamsPerClient(), "server.max_streams_per_client")));
  }

  private static int cap(Integer value, int current, String path) {
    return value == null ? current : Checks.atLeast(value, 0, path);
  }
}
