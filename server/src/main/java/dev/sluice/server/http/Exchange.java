package dev.sluice.server.http;

import dev.sluice.server.ledger.RequestAccount;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.DisconnectWatch;
import dev.sluice.server.telemetry.RequestTelemetry;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/** One HTTP exchange as the endpoints see it. */
public record Exchange(
    String requestId, Request request, Response response, ClientChannel channel, DisconnectWatch watch, long acceptedAtNanos,
    RequestTelemetry telemetry,
    RequestAccount account) {

  /** The address of the TCP peer, without the port: behind a proxy, the proxy's. */
  public String clientAddress() {
    return Request.getRemoteAddr(request);
  }
}
