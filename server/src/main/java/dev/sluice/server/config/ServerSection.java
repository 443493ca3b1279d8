package dev.sluice.server.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code server:}: the listener's heartbeat, write deadline, body cap, socket buffers, drain time on
 * stop, its caps on connections and on requests in flight per key and per client, and the origins
 * and host names it serves besides its own.
 */
record ServerSection(Duration heartbeat, Duration writeTimeout, Long maxBodyBytes, Integer clientSendBufferBytes,
    Integer upstreamReceiveBufferBytes, Duration drainTimeout, Integer maxConnections, Integer maxStreamsPerKey,
    Integer maxStreamsPerClient, List<String> allowedOrigins, List<String> allowedHosts) {
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
    var origins = new ArrayList<String>();
    if (allowedOrigins != null) {
      for (int i = 0; i < allowedOrigins.size(); i++) {
        origins.add(EdgeSettings.origin(allowedOrigins.get(i), "server.allowed_origins[" + i + "]"));
      }
    }
    var hosts = new ArrayList<String>();
    if (allowedHosts != null) {
      for (int i = 0; i < allowedHosts.size(); i++) hosts.add(EdgeSettings.host(allowedHosts.get(i), "server.allowed_hosts[" + i + "]"));
    }
    b.edge(new EdgeSettings(allowedOrigins == null ? current.edge().allowedOrigins() : origins,
        allowedHosts == null ? current.edge().allowedHosts() : hosts));
  }

  private static int cap(Integer value, int current, String path) {
    return value == null ? current : Checks.atLeast(value, 0, path);
  }
}
