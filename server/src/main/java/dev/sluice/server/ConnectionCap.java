package dev.sluice.server;

import dev.sluice.server.telemetry.Telemetry;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The cap on open client connections ({@code server.max_connections}), Jetty's own: at the cap the
 * connector stops accepting, so further connections wait in the kernel's listen backlog (and past
 * it are refused by the kernel) until an open one closes. Each pause counts as a refusal of the
 * {@code connections} cap.
 */
final class ConnectionCap extends NetworkConnectionLimit {
  private final Telemetry telemetry;

  ConnectionCap(int max, ServerConnector connector, Telemetry telemetry) {
    super(max, connector);
    this.telemetry = telemetry;
  }

  @Override
  protected void limit() {
    super.limit();
    telemetry.capRefused("connections");
  }
}
