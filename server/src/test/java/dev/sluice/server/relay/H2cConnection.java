package dev.sluice.server.relay;

import dev.sluice.testkit.BoundedStop;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;

/**
 * One h2c (cleartext HTTP/2, prior knowledge) connection through Jetty's own HTTP/2 client, whose
 * streams a test can reset and whose socket it can drop at will.
 */
public final class H2cConnection implements AutoCloseable {
  private final HTTP2Client client;
  private final Session session;
  private final int port;
  private final Duration slowReader;
  private final ScheduledExecutorService pauses = Executors.newSingleThreadScheduledExecutor();

  private H2cConnection(HTTP2Client client, Session session, int port, Duration slowReader) {
    this.client = client;
    this.session = session;
    this.port = port;
    this.slowReader = slowReader;
  }

  public static H2cConnection open(int port) throws Exception {
    return open(port, null);
  }

  /**
   * A connection whose streams take data as a slow reader does: each frame is let go of (and the
   * flow-control window reopened) only {@code slowReader} after it came, through windows of 16 KiB.
   *
   * @param slowReader the pause per frame, or null to take data at once
   */
  public static H2cConnection open(int port, Duration slowReader) throws Exception {
    var client = new HTTP2Client();
    if (slowReader != null) client.setInitialStreamRecvWindow(16 * 1024);
    client.start();
    try {
      Session session = client.connect(new InetSocketAddress("127.0.0.1", port), new Session.Listener() {})
          .get(5, TimeUnit.SECONDS);
      return new H2cConnection(client, session, port, slowReader);
    } catch (Exception e) {
      BoundedStop.stop("the HTTP/2 client", client);
      throw e;
    }
  }

  /** One stream of this connection and its response body, complete when the server ends the stream. */
  public record Reply(Stream stream, CompletableFuture<String> body) {}

  /** Sends a whole POST of {@code body} to {@code path} on a new stream. */
  public Reply post(String path, String body) throws Exception {
    return post(path, "text/plain", body);
  }

  /** Sends a whole POST of a JSON {@code body} to {@code path} on a new stream (a gateway's API). */
  public Reply postJson(String path, String json) throws Exception {
    return post(path, "application/json", json);
  }

  private Reply post(String path, String contentType, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    var request = new MetaData.Request("POST", HttpURI.from("http://127.0.0.1:" + port + path), HttpVersion.HTTP_2,
        HttpFields.build().put("Content-Type", contentType).put("Content-Length", bytes.length));
    var received = new StringBuilder();
    var done = new CompletableFuture<String>();
    Stream stream = session.newStream(new HeadersFrame(request, null, false), new Stream.Listener() {
      @Override
      public void onHeaders(Stream s, HeadersFrame frame) {
        if (frame.isEndStream()) done.complete(received.toString());
        else s.demand();
      }

      @Override
      public void onDataAvailable(Stream s) {
        Stream.Data data = s.readData();
        if (data == null) {
          s.demand();
          return;
        }
        received.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
        Runnable takeIt = () -> {
          data.release();
          if (data.frame().isEndStream()) done.complete(received.toString());
          else s.demand();
        };
        if (slowReader == null) takeIt.run();
        else pauses.schedule(takeIt, slowReader.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public void onReset(Stream s, ResetFrame frame, Callback callback) {
        done.completeExceptionally(new IllegalStateException("stream reset: " + ErrorCode.toString(frame.getError(), null)));
        callback.succeeded();
      }
    }).get(5, TimeUnit.SECONDS);
    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(bytes), true)).get(5, TimeUnit.SECONDS);
    return new Reply(stream, done);
  }

  /** Resets one stream (the client cancels it), leaving the connection open. */
  void reset(Stream stream) throws Exception {
    stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);
  }

  /** Closes the socket abruptly, with no GOAWAY (a graceful close would let running streams finish). */
  void drop() {
    ((HTTP2Session) session).getEndPoint().close();
  }

  boolean closed() {
    return session.isClosed();
  }

  @Override
  public void close() {
    pauses.shutdownNow();
    BoundedStop.stop("the HTTP/2 client", client);
  }
}
