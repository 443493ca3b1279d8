package dev.sluice.server.lifecycle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * One dependency {@code GET /readyz} checks on each call (the ledger's database, Redis). A check
 * returns normally when the dependency is usable and throws when it is not. It must be quick and
 * bounded: the probe waits for it.
 *
 * <p>The probe is open to anyone who reaches the port, so it shows a failure's message only when the
 * check threw {@link NotReady}, whose message is the gateway's own words about its state; any other
 * exception (a driver's text may name hosts, users or paths) is shown as {@code unavailable} and its
 * message goes to the log.
 */
@FunctionalInterface
public interface ReadinessCheck {

  /** Throws when the dependency is not usable now; a {@link NotReady}'s message becomes the probe's reason. */
  void check() throws Exception;

  /** A failure whose message is fit for anyone to read: the gateway's own description of its state. */
  final class NotReady extends Exception {
    public NotReady(String message) {
      super(message, null, false, false);
    }
  }

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
