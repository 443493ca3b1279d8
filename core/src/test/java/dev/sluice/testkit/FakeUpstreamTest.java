package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake upstream itself, driven by a raw-socket HTTP/1.1 client so every byte is visible. */
class FakeUpstreamTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private FakeUpstream upstream;

  @BeforeEach
  void start() {
    upstream = FakeUpstream.start();
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  /** A minimal client: one connection, requests written by hand, responses parsed by hand. */
  private final class RawClient implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawClient() throws IOException {
      socket = new Socket(InetAddress.getByName("127.0.0.1"), upstream.port());
      socket.setSoTimeout(5_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void post(String path, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Mixed-Case: v\r\n"
          + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
    }

    /** Status line and headers, lower-cased names. */
    List<String> head() throws IOException {
      List<String> lines = new ArrayList<>();
      String line;
      while (!(line = line()).isEmpty()) lines.add(line);
      return lines;
    }

    /** The chunk sizes and bytes of a chunked body, up to and including the zero-length chunk. */
    List<byte[]> chunks() throws IOException {
      List<byte[]> chunks = new ArrayList<>();
      while (true) {
        int size = Integer.parseInt(line(), 16);
        byte[] data = in.readNBytes(size);
        if (data.length != size) throw new EOFException("chunk cut short");
        line();
        if (size == 0) return chunks;
        chunks.add(data);
      }
    }

    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != '\n') {
        if (b < 0) throw new EOFException("connection closed");
        if (b != '\r') line.write(b);
      }
      return line.toString(StandardCharsets.ISO_8859_1);
    }

    void reset() throws IOException {
      socket.setSoLinger(true, 0);
      socket.close();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static byte[] concat(List<byte[]> chunks) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    chunks.forEach(all::writeBytes);
    return all.toByteArray();
  }

  @Test
  void fixtureIsSentByteForByteOneChunkPerEvent() throws IOException {
    upstream.enqueue(Script.fromFixture("fixtures/openai/length.sse"));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      assertThat(client.head()).contains("HTTP/1.1 200 OK", "Content-Type: text/event-stream",
          "Transfer-Encoding: chunked");
      List<byte[]> chunks = client.chunks();

      assertThat(concat(chunks)).isEqualTo(Script.fixtureBytes("fixtures/openai/length.sse"));
      assertThat(chunks).hasSize(5);
      assertThat(new String(chunks.getLast(), StandardCharsets.UTF_8)).isEqualTo("data: [DONE]\n\n");
    }
  }

  @Test
  void chunkBytesRecutsTheSameBytesIntoChunksOfThatSize() throws IOException {
    upstream.enqueue(Script.fromFixture("fixtures/openai/length.sse").chunkBytes(7));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      List<byte[]> chunks = client.chunks();

      byte[] fixture = Script.fixtureBytes("fixtures/openai/length.sse");
      assertThat(concat(chunks)).isEqualTo(fixture);
      assertThat(chunks).hasSize((fixture.length + 6) / 7);
      assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c).hasSize(7));
    }
  }

  @Test
  void recordsTheRequestAndServesTheDefaultScriptWhenTheQueueIsEmpty() throws IOException {
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}");
      client.head();
      String body = new String(concat(client.chunks()), StandardCharsets.UTF_8);

      RecordedRequest request = upstream.awaitRequest(WAIT);
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.path()).isEqualTo("/v1/chat/completions");
      assertThat(request.header("x-mixed-case")).isEqualTo("v");
      assertThat(request.headers().get("CONTENT-TYPE")).isEqualTo("application/json");
      assertThat(request.bodyJson().get("model").asText()).isEqualTo("m");
      assertThat(body).contains("\"content\":\"Hello\"", "\" upstream\"", "\"usage\":{\"prompt_tokens\":9")
          .endsWith("data: [DONE]\n\n");
      assertThat(upstream.requests()).containsExactly(request);
    }
  }

  @Test
  void unknownPathsGetAnOpenAiStyle404() throws IOException {
    try (RawClient client = new RawClient()) {
      client.post("/v1/nope", "{}");
      assertThat(client.head()).contains("HTTP/1.1 404 Not Found", "Content-Type: application/json");
    }
  }

  @Test
  void rawScriptSendsStatusHeadersAndBodyWithContentLength() throws IOException {
    upstream.enqueue(Script.raw(429, Map.of("Retry-After", "3"), "slow down"));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      assertThat(client.head()).contains("HTTP/1.1 429 Too Many Requests", "Retry-After: 3", "Content-Length: 9");
      assertThat(new String(client.in.readNBytes(9), StandardCharsets.UTF_8)).isEqualTo("slow down");
    }
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() throws IOException {
    upstream.enqueue(Script.sse("1"));
    upstream.enqueue(Script.json(400, "{}"));
    upstream.enqueue(Script.sse("3"));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThat(concat(client.chunks())).asString().isEqualTo("data: 1\n\ndata: [DONE]\n\n");
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThat(client.in.readNBytes(2)).asString().isEqualTo("{}");
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThat(concat(client.chunks())).asString().isEqualTo("data: 3\n\ndata: [DONE]\n\n");
    }
    assertThat(upstream.requests()).extracting(RecordedRequest::connectionId).containsExactly(1, 1, 1);
    assertThat(upstream.connectionCount()).isEqualTo(1);
  }

  @Test
  void clientGoneRecordsAFinWhileTheFakeHangsBeforeHeaders() throws Exception {
    upstream.enqueue(Script.sse("x").hangBeforeHeaders());
    RawClient client = new RawClient();
    client.post("/v1/chat/completions", "{}");
    RecordedRequest request = upstream.awaitRequest(WAIT);
    assertThat(request.clientGone()).isNotDone();

    long closedAt = System.nanoTime();
    client.close();

    long goneAt = request.clientGone().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(goneAt).isGreaterThanOrEqualTo(closedAt);
    assertThat(Duration.ofNanos(goneAt - closedAt)).isLessThan(Duration.ofMillis(500));
  }

  @Test
  void clientGoneRecordsAResetWhileTheFakeHangsMidStream() throws Exception {
    upstream.enqueue(Script.sse("a", "b", "c").hangAfterChunks(1));
    RawClient client = new RawClient();
    client.post("/v1/chat/completions", "{}");
    client.head();
    assertThat(client.line()).isEqualTo("9"); // the first chunk arrived: "data: a\n\n"
    RecordedRequest request = upstream.awaitRequest(WAIT);

    client.reset();

    assertThat(request.clientGone().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
  }

  @Test
  void clientGoneStaysIncompleteWhenTheClientLeavesAfterACompleteResponse() throws Exception {
    upstream.enqueue(Script.sse("done"));
    RecordedRequest request;
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      client.chunks();
      request = upstream.awaitRequest(WAIT);
    }
    // The close is seen at once by the fake's blocked read; give it time to (wrongly) record it.
    Thread.sleep(200);
    assertThat(request.responseComplete()).isTrue();
    assertThat(request.clientGone()).isNotDone();
  }

  @Test
  void resetAfterChunksBreaksTheClientsReadAndIsNotTheClientLeaving() throws Exception {
    upstream.enqueue(Script.sse("a", "b", "c").resetAfterChunks(1));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThatThrownBy(client::chunks).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
    RecordedRequest request = upstream.awaitRequest(WAIT);
    Thread.sleep(200);
    assertThat(request.clientGone()).isNotDone();
  }

  @Test
  void closeAfterChunksEndsTheConnectionInsideTheChunkedBody() throws Exception {
    upstream.enqueue(Script.sse("a", "b", "c").closeAfterChunks(2));
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThatThrownBy(client::chunks).isInstanceOf(EOFException.class);
    }
  }

  @Test
  void endAfterChunksAndWithoutDoneEndTheBodyProperlyBeforeTheTerminator() throws IOException {
    upstream.enqueue(Script.sse("a", "b", "c").endAfterChunks(2));
    upstream.enqueue(Script.sse("a").withoutDone());
    try (RawClient client = new RawClient()) {
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThat(concat(client.chunks())).asString().isEqualTo("data: a\n\ndata: b\n\n");
      client.post("/v1/chat/completions", "{}");
      client.head();
      assertThat(concat(client.chunks())).asString().isEqualTo("data: a\n\n");
    }
  }

  @Test
  void delaysHoldBackTheBytes() throws IOException {
    upstream.enqueue(Script.sse("a", "b").firstByteDelay(Duration.ofMillis(150)).chunkDelay(Duration.ofMillis(150)));
    try (RawClient client = new RawClient()) {
      long start = System.nanoTime();
      client.post("/v1/chat/completions", "{}");
      client.head();
      long headersAfter = System.nanoTime() - start;
      client.chunks();
      long bodyAfter = System.nanoTime() - start;

      assertThat(Duration.ofNanos(headersAfter)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
      // Three chunks ("a", "b", [DONE]) with a pause before the second and the third.
      assertThat(Duration.ofNanos(bodyAfter)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
    }
  }

  @Test
  void awaitRequestFailsTheTestWhenNothingArrives() {
    assertThatThrownBy(() -> upstream.awaitRequest(Duration.ofMillis(50))).isInstanceOf(AssertionError.class);
  }

  @Test
  void modifiersForStreamsRefuseRawScripts() {
    assertThatThrownBy(() -> Script.json(500, "{}").hangAfterChunks(1)).isInstanceOf(IllegalStateException.class);
  }
}
