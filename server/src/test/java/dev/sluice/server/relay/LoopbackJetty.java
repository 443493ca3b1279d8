package dev.sluice.server.relay;

import dev.sluice.testkit.BoundedStop;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A bare Jetty server on a free loopback port, set up as Sluice's own listener is (HTTP/1.1 and
 * h2c on one connector, blocking handlers on virtual threads), that runs one test's {@link
 * Exchange} for every request: the relay's parts meet the real connection they are written for,
 * without the rest of the gateway.
 */
final class LoopbackJetty implements AutoCloseable {

  /** What the server does with one request, on its own virtual thread; returning completes the response. */
  @FunctionalInterface
  interface Exchange {
    void handle(Request request, Response response) throws Exception;
  }

  /** The connections' idle timeout unless an exchange sets its own: long enough never to expire in a test. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(30);

  private final Server server;
  private final ServerConnector connector;

  private LoopbackJetty(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static LoopbackJetty start(Exchange exchange) throws Exception {
    return start(0, exchange);
  }

  /**
   * @param sendBufferBytes the kernel send buffer of each accepted connection (small, so that a
   *     client that stops reading blocks a write soon), or 0 for the system's
   */
  static LoopbackJetty start(int sendBufferBytes, Exchange exchange) throws Exception {
    var threads = new QueuedThreadPool();
    threads.setName("loopback-jetty");
    threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory()));
    var server = new Server(threads);
    var http = new HttpConfiguration();
    var connector = new ServerConnector(server, 0, -1, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setIdleTimeout(HANG_GUARD.toMillis());
    if (sendBufferBytes > 0) connector.setAcceptedSendBufferSize(sendBufferBytes);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        try {
          exchange.handle(request, response);
          callback.succeeded();
        } catch (Throwable t) {
          callback.failed(t);
        }
        return true;
      }
    });
    server.start();
    return new LoopbackJetty(server, connector);
  }

  /**
   * Sets the idle timeout (Sluice's write timeout) of this request's connection, counted from its
   * last activity. Set by the exchange after it registered its listeners, so that no expiry comes
   * before them however late a loaded machine runs the exchange.
   */
  static void idleTimeout(Request request, Duration timeout) {
    request.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(timeout.toMillis());
  }

  int port() {
    return connector.getLocalPort();
  }

  /** Stops the server; one that does not stop within {@link BoundedStop#LIMIT} fails the test. */
  @Override
  public void close() {
    BoundedStop.stop("the loopback server", server);
  }
}
