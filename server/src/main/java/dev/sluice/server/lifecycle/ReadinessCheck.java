package dev.sluice.server.lifecycle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * One dependency {@code GET /readyz} checks on each call (the ledger's database, Redis). A check
 * returns normally when the dependency is usable and throws, with a message an operator can act on,
 * when it is not. It must be quick and bounded: the probe waits for it.
 */
@FunctionalInterface
public interface ReadinessCheck {

  /** Throws when the dependency is not usable now; the message becomes the probe's reason. */
  void check() throws Exception;

  /** A TCP connect to {@code host:port} within {@code timeout}: for servers with no cheaper ping. */
  static ReadinessCheck tcp(String host, int port, Duration timeout) {
    return () -> {
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      } catch (IOException e) {
        throw new IOException("cannot connect to " + host + ":" + port + " (" + e.getMessage() + ")", e);
      }
    };
  }
}
