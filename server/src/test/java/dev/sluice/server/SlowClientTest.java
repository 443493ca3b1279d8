package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.Timeouts;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** A client that accepts nothing holds the upstream back, then is disconnected at the write timeout. */
class SlowClientTest {

  @Test
  void disconnectsAClientThatAcceptsNothingAndCancelsItsUpstream() throws Exception {
    // About 20 MB of chunks: far more than the socket buffers between the three parties hold.
    var pieces = new ArrayList<String>();
    for (int i = 0; i < 20_000; i++) pieces.add("x".repeat(1000));
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl())
            .heartbeat(Duration.ZERO).writeTimeout(Duration.ofMillis(500)))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
        // Nothing is read: Sluice's write blocks, it stops reading the upstream, and after the write
        // timeout it gives the client up and closes the upstream connection.
        // A hang guard only: the write timeout (500 ms) starts once the buffers between the three are full.
        seen.clientGone().get(60, TimeUnit.SECONDS);
        assertThat(seen.responseComplete()).as("the upstream could not send everything: backpressure").isFalse();
      }
    }
  }

  @Test
  void deliversEveryByteInOrderToAClientThatReadsSlowly() throws Exception {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) pieces.add(i + ":" + "y".repeat(500) + ";");
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).heartbeat(Duration.ZERO))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      socket.setReceiveBufferSize(8 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        String response = RawHttp.readResponse(new SlowInputStream(socket.getInputStream()));
        List<String> data = ChatCompletionsEndpointTest.dataLines(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo(String.join("", pieces));
      }
    }
  }

  @Test
  void aClientThatStopsReadingIsNotTakenForASilentUpstream() throws Exception {
    // Enough that the relay's write blocks on the client with upstream data still waiting.
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) pieces.add(i + ":" + "z".repeat(500) + ";");
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).heartbeat(Duration.ZERO)
            .writeTimeout(Duration.ofSeconds(20))
            .timeouts(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofMillis(300), Duration.ofSeconds(60))))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      // Above two loopback segments (64 KiB each): a smaller window is reopened only by TCP's
      // zero-window probes, which back off to about a minute.
      socket.setReceiveBufferSize(256 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        // The relay is blocked writing to this client, which reads nothing ...
        MetricsTest.awaitScrape(gateway, x -> x.sum("sluice_streams_blocked_on_client") == 1);
        // ... for several idle deadlines, while the upstream has data waiting: that is not upstream silence.
        Thread.sleep(Duration.ofMillis(1_200));
        String response = RawHttp.readResponse(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
        List<String> data = ChatCompletionsEndpointTest.dataLines(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(String.join("\n", data)).doesNotContain("sent nothing for");
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo(String.join("", pieces));
      }
    }
  }

  /** Hands out at most 512 bytes a read, with a pause before each: a client slower than the stream. */
  private static final class SlowInputStream extends FilterInputStream {
    SlowInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      LockSupport.parkNanos(100_000);
      return super.read(b, off, Math.min(len, 512));
    }
  }

  @Test
  void holdsFiftyMegabytesBackWithBoundedHeapThenDeliversThemIntact() throws Exception {
    // 50,000 chunks of 1,000 characters: 50 MB of text, about 60 MB on the wire.
    var pieces = new String[50_000];
    var expected = java.security.MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = String.format("%08d", i) + "z".repeat(992);
      expected.update(pieces[i].getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Script script = Script.openAiText(pieces);
    pieces = null; // the script holds the bytes now; keep the measured heap to what the gateway holds
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl())
            .heartbeat(Duration.ZERO).writeTimeout(Duration.ofMinutes(1)))) {
      upstream.enqueue(script);
      long baseline = usedHeapAfterGc();
      var socket = new Socket();
      socket.setReceiveBufferSize(64 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        socket.setSoTimeout(60_000);
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
        var in = socket.getInputStream();
        RawHttp.readHead(in);
        var digest = java.security.MessageDigest.getInstance("SHA-256");
        var contentSeen = new java.util.concurrent.atomic.AtomicBoolean();
        var parser = new dev.sluice.sse.SseParser(event -> {
          if (!event.data().startsWith("{")) return;
          try {
            var node = dev.sluice.json.Json.MAPPER.readTree(event.data()).at("/choices/0/delta/content");
            if (node.isTextual() && !node.asText().isEmpty()) {
              digest.update(node.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
              contentSeen.set(true);
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        var body = new ChunkedBody(in);
        byte[] buf = new byte[16 * 1024];
        while (!contentSeen.get()) parser.feed(buf, 0, body.read(buf, 0, buf.length));
        // The client now reads nothing. The upstream's response cannot complete while the client
        // holds back, and the gateway holds no more than its buffers for the stream.
        long held = 0;
        for (int i = 0; i < 20; i++) {
          held = Math.max(held, usedHeapAfterGc() - baseline);
          LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        assertThat(seen.responseComplete()).as("the upstream is blocked, not done").isFalse();
        System.out.printf("heap held by a stream whose client reads nothing: %.2f MiB%n", held / 1048576.0);
        assertThat(held).as("heap held for one stream whose client reads nothing").isLessThan(8L << 20);
        // Reading resumes: every chunk arrives, in order, intact.
        for (int n; (n = body.read(buf, 0, buf.length)) > 0; ) parser.feed(buf, 0, n);
        parser.end();
        assertThat(digest.digest()).isEqualTo(expected.digest());
        assertThat(seen.responseComplete()).isTrue();
      }
    }
  }

  private static long usedHeapAfterGc() {
    System.gc();
    var memory = java.lang.management.ManagementFactory.getMemoryMXBean();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** The payload of an HTTP/1.1 chunked body, read as it arrives; ends at the zero-length chunk. */
  private static final class ChunkedBody extends InputStream {
    private final InputStream in;
    private int left;
    private boolean end;

    ChunkedBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (end) return -1;
      if (left == 0) {
        String size = line();
        if (size.isEmpty()) size = line(); // the CRLF that closed the previous chunk
        left = Integer.parseInt(size.trim(), 16);
        if (left == 0) {
          end = true;
          return -1;
        }
      }
      int n = in.read(b, off, Math.min(len, left));
      if (n < 0) throw new IOException("connection closed inside a chunk");
      left -= n;
      return n;
    }

    private String line() throws IOException {
      var sb = new StringBuilder();
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) throw new IOException("connection closed");
        if (c != '\r') sb.append((char) c);
      }
      return sb.toString();
    }
  }

  @Test
  void capsTheKernelBuffersAStalledStreamFills() throws Exception {
    var pieces = new String[20_000];
    java.util.Arrays.fill(pieces, "w".repeat(1000));
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl())
            .heartbeat(Duration.ZERO).writeTimeout(Duration.ofMinutes(1)))) {
      upstream.enqueue(Script.openAiText(pieces));
      var socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
        // The client reads nothing. Once the upstream has stopped making progress, everything it sent
        // sits in buffers between it and the client: the fake's 64 KiB, Sluice's socket buffers and
        // the relay's own few KiB, and the client's 16 KiB.
        long sent = -1;
        for (long now = seen.bodyBytesSent(); now != sent; now = seen.bodyBytesSent()) {
          sent = now;
          LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
        }
        System.out.printf("bytes in flight for a stalled stream: %.0f KiB%n", sent / 1024.0);
        assertThat(seen.responseComplete()).isFalse();
        assertThat(sent).isLessThan(1L << 20);
      }
    }
  }
}
