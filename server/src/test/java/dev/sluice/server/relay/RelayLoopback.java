package dev.sluice.server.relay;

import dev.sluice.testkit.BoundedStop;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real Jetty server on a loopback port whose one handler runs what the test gives it with the
 * request's real {@link ClientChannel}, and a raw client socket to read, stop reading or reset at will.
 */
final class RelayLoopback implements AutoCloseable {

  /** What the handler runs for one request: a relay, a watchdog. */
  @FunctionalInterface
  interface Exchange {
    Outcome run(ClientChannel channel) throws Exception;
  }

  private final Server server = new Server();
  private final ServerConnector connector = new ServerConnector(server);
  /** How long {@link #close} waits for Jetty to stop before it fails the test. */
  private final Duration stopLimit;
  /** The client sockets handed out, closed before the server stops. */
  private final List<Socket> clients = new CopyOnWriteArrayList<>();
  private volatile Exchange exchange;
  private volatile CompletableFuture<Outcome> result;

  private RelayLoopback(Duration stopLimit) throws Exception {
    this.stopLimit = stopLimit;
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        CompletableFuture<Outcome> done = result;
        try {
          done.complete(exchange.run(new ClientChannel(response)));
          callback.succeeded();
        } catch (Throwable t) {
          done.completeExceptionally(t);
          callback.failed(t);
        }
        return true;
      }
    });
    server.start();
  }

  static RelayLoopback start() throws Exception {
    return new RelayLoopback(BoundedStop.LIMIT);
  }

  /** {@link #start()} with {@code stopLimit} for {@link #close}. */
  static RelayLoopback start(Duration stopLimit) throws Exception {
    return new RelayLoopback(stopLimit);
  }

  /** The server, for a test of this harness itself. */
  Server server() {
    return server;
  }

  /** Sends one GET whose handler runs {@code run}; returns the client's socket, its response unread. */
  Socket request(Exchange run) throws IOException {
    exchange = run;
    result = new CompletableFuture<>();
    var socket = new Socket("127.0.0.1", connector.getLocalPort());
    clients.add(socket);
    // A test waiting for bytes that never come fails instead of hanging.
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** What the handler's run returned, once it returned. */
  Outcome outcome() throws Exception {
    return result.get(10, TimeUnit.SECONDS);
  }

  /** Reads until {@code marker} has been seen; returns all that was read (chunk sizes included). */
  static String readUntil(Socket socket, String marker) throws IOException {
    InputStream in = socket.getInputStream();
    var seen = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      seen.write(b);
      if (seen.size() >= marker.length() && seen.toString(StandardCharsets.UTF_8).endsWith(marker)) {
        return seen.toString(StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("the response ended before " + marker + ": " + seen);
  }

  /** Reads a whole chunked response, up to its last (empty) chunk. */
  static String readToEnd(Socket socket) throws IOException {
    return readUntil(socket, "\r\n0\r\n\r\n");
  }

  /** Closes the connection with a reset, as a client that vanished: the server's next writes fail. */
  static void reset(Socket socket) throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** Short deadlines are for the test that sets them; these never fire within a test. */
  static final Duration NEVER = Duration.ofMinutes(5);

  /**
   * Resets the client connections, so that no server write is left pending on a client that stopped
   * reading (Jetty's stop waits for such a write's cancel on the selector thread, once without end),
   * then stops the server within the stop limit: a stop that hangs fails the test (see {@link BoundedStop}).
   */
  @Override
  public void close() throws Exception {
    for (Socket client : clients) {
      if (!client.isClosed()) reset(client);
    }
    BoundedStop.stop("the relay's loopback server", stopLimit, server::stop);
  }
}
