package dev.sluice.server.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
  private volatile Exchange exchange;
  private volatile CompletableFuture<Outcome> result;

  private RelayLoopback() throws Exception {
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
    return new RelayLoopback();
  }

  /** Sends one GET whose handler runs {@code run}; returns the client's socket, its response unread. */
  Socket request(Exchange run) throws IOException {
    exchange = run;
    result = new CompletableFuture<>();
    var socket = new Socket("127.0.0.1", connector.getLocalPort());
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

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
