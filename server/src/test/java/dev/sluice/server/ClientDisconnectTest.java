package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.stream.GatewayError;
import dev.sluice.testkit.BoundedStop;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
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
import org.junit.jupiter.api.Test;

/**
 * A {@code /v1/*} client that goes away cancels its upstream at once (a browser stream, which is
 * resumable, after its grace period), in every phase: waiting for the first
 * token (nothing written yet, where HTTP/1.1 alone would notice nothing) and mid-stream; by FIN, by
 * RST, on HTTP/1.1 and on h2c. Kept-alive connections keep working after a watched request.
 */
class ClientDisconnectTest {
  /** Detection takes about a millisecond; the bound only keeps a loaded CI machine from flaking. */
  private static final Duration DETECTION_BOUND = Duration.ofMillis(500);

  private static final String BODY =
      "{\"model\":\"sim/chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  private static RecordingProvider thinkingSim() {
    return new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMinutes(5))));
  }

  private static RecordingProvider slowSim() {
    return new RecordingProvider(new SimProvider(new SimConfig(5, Duration.ZERO)));
  }

  private static TestGateway gatewayWith(RecordingProvider provider) throws Exception {
    // Heartbeats off: detection must not depend on a write.
    return TestGateway.start(b -> b.heartbeat(Duration.ZERO), provider);
  }

  private static Socket openStream(TestGateway gateway, String path, String body) throws IOException {
    return RawHttp.post(gateway.port(), path, body);
  }

  private static void assertCancelledForDisconnect(RecordingProvider.Recorded stream, long closedAt) throws Exception {
    long cancelledAt = stream.cancelledAt.get(5, TimeUnit.SECONDS);
    GatewayError reason = stream.cancelReason.get();
    assertThat(reason.clientGone()).as("cancel reason %s", reason).isTrue();
    assertThat(Duration.ofNanos(cancelledAt - closedAt)).isLessThan(DETECTION_BOUND);
    stream.closed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void abortsUpstreamWhenClientSendsFinBeforeFirstToken() throws Exception {
    RecordingProvider provider = thinkingSim();
    try (TestGateway gateway = gatewayWith(provider)) {
      Socket socket = openStream(gateway, "/v1/chat/completions", BODY);
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      long closedAt = System.nanoTime();
      socket.close();
      assertCancelledForDisconnect(stream, closedAt);
    }
  }

  @Test
  void abortsUpstreamWhenClientResetsBeforeFirstToken() throws Exception {
    RecordingProvider provider = thinkingSim();
    try (TestGateway gateway = gatewayWith(provider)) {
      Socket socket = openStream(gateway, "/v1/chat/completions", BODY);
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      socket.setSoLinger(true, 0);
      long closedAt = System.nanoTime();
      socket.close();
      assertCancelledForDisconnect(stream, closedAt);
    }
  }

  @Test
  void abortsUpstreamWhenClientLeavesMidStream() throws Exception {
    RecordingProvider provider = slowSim();
    try (TestGateway gateway = gatewayWith(provider)) {
      Socket socket = openStream(gateway, "/v1/chat/completions", BODY);
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      RawHttp.readUntil(socket.getInputStream(), "\"content\":\"");
      long closedAt = System.nanoTime();
      socket.close();
      assertCancelledForDisconnect(stream, closedAt);
    }
  }

  /**
   * A client that half-closes (FIN) mid-stream still reads: the stream it cancelled must not end
   * with the chunked terminator, which it would take for a complete answer. The connection is cut.
   */
  @Test
  void cutsTheConnectionWithoutAnEndWhenAStreamIsCancelledAfterItsFirstByte() throws Exception {
    RecordingProvider provider = slowSim();
    try (TestGateway gateway = gatewayWith(provider)) {
      Socket socket = openStream(gateway, "/v1/chat/completions", BODY);
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      var in = socket.getInputStream();
      RawHttp.readUntil(in, "\"content\":\"");
      socket.shutdownOutput();
      assertCancelledForDisconnect(stream, System.nanoTime());
      String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(rest).as("what followed the first token").doesNotContain("\r\n0\r\n\r\n").doesNotContain("[DONE]");
      socket.close();
    }
  }

  /**
   * A browser stream is resumable, so its client leaving starts a grace period rather than a cancel
   * (the contract's "Browser events"); when no client resumes within it, the upstream is cancelled
   * as a client disconnect. Changed by design from the former immediate cancel.
   */
  @Test
  void cancelsBrowserStreamWhenNoClientResumesWithinTheGracePeriod() throws Exception {
    RecordingProvider provider = thinkingSim();
    Duration grace = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(b -> b.heartbeat(Duration.ZERO)
        .resume(new dev.sluice.server.config.ResumeSettings(grace, Duration.ofSeconds(5), 1 << 20)), provider)) {
      var socket = new Socket("127.0.0.1", gateway.port());
      socket.getOutputStream().write(("GET /api/chat/stream?prompt=hi HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      long closedAt = System.nanoTime();
      socket.close();
      long cancelledAt = stream.cancelledAt.get(5, TimeUnit.SECONDS);
      assertThat(stream.cancelReason.get().clientGone()).isTrue();
      assertThat(Duration.ofNanos(cancelledAt - closedAt)).isGreaterThanOrEqualTo(grace)
          .isLessThan(grace.plus(DETECTION_BOUND));
      stream.closed.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void keepsAliveConnectionsWorkingAfterWatchedRequests() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ZERO)));
    try (TestGateway gateway = gatewayWith(provider); var socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5_000);
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 5; i++) {
        String body = "{\"model\":\"sim/echo\",\"stream\":" + (i % 2 == 0)
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"round " + i + "\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + bytes.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        String response = RawHttp.readResponse(in);
        assertThat(response).startsWith("HTTP/1.1 200").contains("round").contains(String.valueOf(i));
        if (i % 2 == 0) assertThat(response).contains("data: [DONE]");
        RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
        stream.closed.get(5, TimeUnit.SECONDS);
        assertThat(stream.cancelledAt).as("a completed stream is never cancelled").isNotDone();
      }
    }
  }

  @Test
  void closesTheConnectionAfterAStreamWhenTheClientPipelinedBehindIt() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(200, Duration.ZERO)));
    try (TestGateway gateway = gatewayWith(provider); Socket socket = openStream(gateway, "/v1/chat/completions", BODY)) {
      socket.setSoTimeout(5_000);
      InputStream in = socket.getInputStream();
      RawHttp.readUntil(in, "\"content\":\"");
      // A second request sent while the first still streams: the watch reads (and loses) its first byte.
      socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] rest = in.readAllBytes(); // returns only when the server closes the connection
      String tail = new String(rest, StandardCharsets.UTF_8);
      assertThat(tail).contains("data: [DONE]").doesNotContain("HTTP/1.1 400").doesNotContain("HTTP/1.1 200");
      assertThat(provider.awaitStream(Duration.ofSeconds(1)).cancelledAt).isNotDone();
    }
  }

  @Test
  void abortsUpstreamWhenH2cStreamIsReset() throws Exception {
    RecordingProvider provider = thinkingSim();
    var client = new HTTP2Client();
    client.start();
    try (TestGateway gateway = gatewayWith(provider)) {
      Session session = client.connect(new InetSocketAddress("127.0.0.1", gateway.port()), new Session.Listener() {})
          .get(5, TimeUnit.SECONDS);
      Stream stream = openH2Stream(session, gateway.port());
      RecordingProvider.Recorded recorded = provider.awaitStream(Duration.ofSeconds(5));
      long closedAt = System.nanoTime();
      stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);
      assertCancelledForDisconnect(recorded, closedAt);
    } finally {
      BoundedStop.stop("the HTTP/2 client", client);
    }
  }

  /**
   * A reset after the answer began, while the relay waits for the upstream's next token (nothing is
   * being written): the request's failure listener must see it, not the next write.
   */
  @Test
  void abortsUpstreamWhenH2cStreamIsResetMidStream() throws Exception {
    // A token every 3 s: after the first, the relay waits long past the detection bound.
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(1.0 / 3, Duration.ZERO)));
    var client = new HTTP2Client();
    client.start();
    try (TestGateway gateway = gatewayWith(provider)) {
      Session session = client.connect(new InetSocketAddress("127.0.0.1", gateway.port()), new Session.Listener() {})
          .get(5, TimeUnit.SECONDS);
      var firstData = new CompletableFuture<Void>();
      Stream stream = openH2Stream(session, gateway.port(), new Stream.Listener() {
        @Override
        public void onHeaders(Stream s, HeadersFrame frame) {
          s.demand();
        }

        @Override
        public void onDataAvailable(Stream s) {
          Stream.Data data = s.readData();
          if (data != null) {
            if (data.frame().getByteBuffer().hasRemaining()) firstData.complete(null);
            data.release();
          }
          if (!firstData.isDone()) s.demand();
        }
      });
      RecordingProvider.Recorded recorded = provider.awaitStream(Duration.ofSeconds(5));
      firstData.get(5, TimeUnit.SECONDS);
      long closedAt = System.nanoTime();
      stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code)).get(5, TimeUnit.SECONDS);
      assertCancelledForDisconnect(recorded, closedAt);
    } finally {
      BoundedStop.stop("the HTTP/2 client", client);
    }
  }

  @Test
  void abortsUpstreamWhenH2cConnectionCloses() throws Exception {
    RecordingProvider provider = thinkingSim();
    var client = new HTTP2Client();
    client.start();
    try (TestGateway gateway = gatewayWith(provider)) {
      Session session = client.connect(new InetSocketAddress("127.0.0.1", gateway.port()), new Session.Listener() {})
          .get(5, TimeUnit.SECONDS);
      openH2Stream(session, gateway.port());
      RecordingProvider.Recorded recorded = provider.awaitStream(Duration.ofSeconds(5));
      long closedAt = System.nanoTime();
      // An abrupt TCP close, not a GOAWAY: a graceful close lets running streams finish, by design.
      ((HTTP2Session) session).getEndPoint().close();
      assertCancelledForDisconnect(recorded, closedAt);
    } finally {
      BoundedStop.stop("the HTTP/2 client", client);
    }
  }

  @Test
  void keepsAnH2cConnectionServingStreamsAfterOneEnds() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ZERO)));
    var client = new HTTP2Client();
    client.start();
    try (TestGateway gateway = gatewayWith(provider)) {
      Session session = client.connect(new InetSocketAddress("127.0.0.1", gateway.port()), new Session.Listener() {})
          .get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        var done = new java.util.concurrent.CompletableFuture<Void>();
        var body = new StringBuilder();
        Stream stream = session.newStream(new HeadersFrame(h2Request(gateway.port()), null, false), new Stream.Listener() {
          @Override
          public void onDataAvailable(Stream s) {
            Stream.Data data = s.readData();
            if (data == null) {
              s.demand();
              return;
            }
            body.append(StandardCharsets.UTF_8.decode(data.frame().getByteBuffer()));
            data.release();
            if (data.frame().isEndStream()) done.complete(null);
            else s.demand();
          }
        }).get(5, TimeUnit.SECONDS);
        stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(BODY.getBytes(StandardCharsets.UTF_8)), true))
            .get(5, TimeUnit.SECONDS);
        done.get(5, TimeUnit.SECONDS);
        assertThat(ChatCompletionsEndpointTest.untimed(body.toString())).endsWith("data: [DONE]\n\n");
        assertThat(session.isClosed()).as("stream %d left the connection open", i).isFalse();
      }
    } finally {
      BoundedStop.stop("the HTTP/2 client", client);
    }
  }

  private static MetaData.Request h2Request(int port) {
    return new MetaData.Request("POST", HttpURI.from("http://127.0.0.1:" + port + "/v1/chat/completions"),
        HttpVersion.HTTP_2, HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json")
            .put(HttpHeader.CONTENT_LENGTH, BODY.getBytes(StandardCharsets.UTF_8).length));
  }

  private static Stream openH2Stream(Session session, int port) throws Exception {
    return openH2Stream(session, port, new Stream.Listener() {});
  }

  /** Opens a chat completions stream on {@code session}, its body sent, its frames to {@code listener}. */
  private static Stream openH2Stream(Session session, int port, Stream.Listener listener) throws Exception {
    byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
    Stream stream = session.newStream(new HeadersFrame(h2Request(port), null, false), listener)
        .get(5, TimeUnit.SECONDS);
    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(body), true)).get(5, TimeUnit.SECONDS);
    return stream;
  }
}
