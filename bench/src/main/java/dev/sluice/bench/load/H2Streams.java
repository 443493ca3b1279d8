package dev.sluice.bench.load;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;

/**
 * Many held streams to Sluice over cleartext HTTP/2 with prior knowledge (h2c), {@value
 * #STREAMS_PER_CONNECTION} on each connection, so the clients of 10,000 streams hold about a hundred
 * sockets instead of 10,000 (Sluice serves h2c on its one port). A client leaving is a stream reset
 * (RST_STREAM with CANCEL), what a browser or SDK sends when it stops reading one of its streams.
 */
final class H2Streams implements AutoCloseable {
  /** Below Jetty's default limit of concurrent streams a server allows on one connection (128). */
  static final int STREAMS_PER_CONNECTION = 100;

  private final HTTP2Client client = new HTTP2Client();
  private final int port;
  private final List<Session> sessions = new ArrayList<>();
  private int opened;

  H2Streams(int port) throws Exception {
    this.port = port;
    client.start();
  }

  /** One open stream; {@link #first} completes with its first content chunk, or fails. */
  record Open(String id, Stream stream, CompletableFuture<Void> first) {}

  /** Sends one streaming request with {@code streamId} in its {@code user} field. Not thread-safe. */
  Open open(String streamId) throws Exception {
    if (opened++ % STREAMS_PER_CONNECTION == 0) {
      sessions.add(client.connect(new InetSocketAddress("127.0.0.1", port), new Session.Listener() {})
          .get(30, TimeUnit.SECONDS));
    }
    Session session = sessions.getLast();
    byte[] body = StreamClient.body(streamId).getBytes(StandardCharsets.UTF_8);
    var fields = HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json");
    var request = new MetaData.Request("POST", HttpURI.from("http://127.0.0.1:" + port + "/v1/chat/completions"),
        HttpVersion.HTTP_2, fields, body.length);
    var first = new CompletableFuture<Void>();
    Stream stream = session.newStream(new HeadersFrame(request, null, false), new FirstChunk(first))
        .get(30, TimeUnit.SECONDS);
    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true), Callback.NOOP);
    return new Open(streamId, stream, first);
  }

  /** The client leaving: RST_STREAM (CANCEL) on this stream only; its connection stays. */
  static void reset(Open held) {
    held.stream().reset(new ResetFrame(held.stream().getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
  }

  /** Connections open. */
  int connections() {
    return sessions.size();
  }

  @Override
  public void close() throws Exception {
    client.stop();
  }

  /** Reads a response until its first content chunk, then discards what follows. */
  private static final class FirstChunk implements Stream.Listener {
    private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
    private final CompletableFuture<Void> first;
    /** The start of the last non-empty data frame before the first chunk. */
    private String last = "";

    FirstChunk(CompletableFuture<Void> first) {
      this.first = first;
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      if (frame.getMetaData() instanceof MetaData.Response r && r.getStatus() != 200) {
        first.completeExceptionally(new IllegalStateException("status " + r.getStatus()));
      }
      stream.demand();
    }

    @Override
    public void onDataAvailable(Stream stream) {
      Stream.Data data = stream.readData();
      if (data == null) {
        stream.demand();
        return;
      }
      ByteBuffer bytes = data.frame().getByteBuffer();
      if (!first.isDone() && hasContent(bytes)) first.complete(null);
      boolean end = data.frame().isEndStream();
      // What Sluice sent last (an error event, as a rule), so that a failure says why.
      if (!first.isDone() && bytes.hasRemaining()) {
        last = StandardCharsets.UTF_8.decode(bytes.slice(bytes.position(), Math.min(bytes.remaining(), 300)))
            .toString().strip();
      }
      data.release();
      if (end) first.completeExceptionally(new IllegalStateException("stream ended before its first chunk: " + last));
      else stream.demand();
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, Callback callback) {
      first.completeExceptionally(new IllegalStateException("reset by Sluice: " + frame.getError()));
      callback.succeeded();
    }

    @Override
    public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
      first.completeExceptionally(failure);
      callback.succeeded();
    }

    /** A content chunk: {@code "content":"} followed by a digit (the upstream's timestamp). */
    private static boolean hasContent(ByteBuffer buffer) {
      int end = buffer.limit() - CONTENT.length;
      outer:
      for (int i = buffer.position(); i < end; i++) {
        for (int k = 0; k < CONTENT.length; k++) if (buffer.get(i + k) != CONTENT[k]) continue outer;
        byte next = buffer.get(i + CONTENT.length);
        if (next >= '0' && next <= '9') return true;
      }
      return false;
    }
  }
}
