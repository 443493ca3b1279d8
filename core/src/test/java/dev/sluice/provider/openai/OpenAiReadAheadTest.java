package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link EventStream#ready} says of a body whose events arrive one to an HTTP chunk, as OpenAI's
 * do: the relay writes what is ready in one write, so every event already received must be ready
 * (not one write per chunk), and an event still on its way must not be (the ones before it would
 * wait for it). The upstream here writes its whole answer, or the part of it a test wants, in one
 * socket write, so what has arrived is exact.
 */
class OpenAiReadAheadTest {

  private final ServerSocket server = newServer();
  /** Released by a test when the rest of the answer may go. */
  private final CountDownLatch sendTheRest = new CountDownLatch(1);

  @AfterEach
  void stop() throws IOException {
    sendTheRest.countDown();
    server.close();
  }

  @Test
  void hasEveryEventOfOneNetworkReadReadyAfterTheFirst() throws Exception {
    var events = new ArrayList<String>();
    for (int i = 0; i < 30; i++) events.add(delta("t" + i));
    events.add(finish());
    events.add("[DONE]");
    answer(chunked(events), "");
    EventStream stream = stream();

    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("t0"));
    for (int i = 1; i < 30; i++) {
      assertThat(stream.ready()).as("event %d arrived with the first", i).isTrue();
      assertThat(stream.next()).isEqualTo(TextDelta.content("t" + i));
    }
    StreamEvent last;
    do {
      assertThat(stream.ready()).as("the end arrived with the first event").isTrue();
      last = stream.next();
    } while (!last.isTerminal());
    assertThat(last).isInstanceOf(Finished.class);
  }

  @Test
  void isNotReadyWhileTheNextEventHasOnlyPartlyArrived() throws Exception {
    String second = "data: " + delta("b") + "\n\n";
    int half = second.length() / 2;
    answer(chunked(List.of(delta("a"))) + chunk(second.substring(0, half)),
        chunk(second.substring(half)) + chunked(List.of(finish(), "[DONE]")) + "0\r\n\r\n");
    EventStream stream = stream();

    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("a"));
    assertThat(stream.ready()).as("half an event is not an event: what came before must not wait for it").isFalse();

    CompletableFuture<StreamEvent> next = CompletableFuture.supplyAsync(stream::next);
    sendTheRest.countDown();
    assertThat(next.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(TextDelta.content("b"));
  }

  @Test
  void endsWithAFailureFoundWhileReadingAheadOnlyAfterTheEventsBeforeIt() throws Exception {
    answer(chunked(List.of(delta("a"), delta("b"), "{not json")), "");
    EventStream stream = stream();

    assertThat(stream.next()).isInstanceOf(Started.class);
    assertThat(stream.next()).isEqualTo(TextDelta.content("a"));
    assertThat(stream.ready()).isTrue();
    assertThat(stream.next()).isEqualTo(TextDelta.content("b"));
    assertThat(stream.ready()).as("the malformed event arrived: the failure needs no wait").isTrue();
    StreamEvent end = stream.next();
    assertThat(end).isInstanceOfSatisfying(Failed.class,
        failed -> assertThat(failed.error().type()).isEqualTo(ErrorType.UPSTREAM_ERROR));
    assertThat(stream.next()).isNull();
  }

  private EventStream stream() {
    URI base = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    var provider = new OpenAiProvider(new OpenAiConfig(upstreamConfig("test", base, List.of("gpt-4o"))), CLIENT);
    return provider.stream(hello());
  }

  /**
   * Answers the next request: the headers and {@code first} in one write, then {@code rest} in a
   * second once {@link #sendTheRest} is released (nothing if empty: then {@code first} ends the body).
   */
  private void answer(String first, String rest) {
    Thread.ofVirtual().start(() -> {
      try (Socket socket = server.accept()) {
        readRequest(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
        out.write((head + first + (rest.isEmpty() ? "0\r\n\r\n" : "")).getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (rest.isEmpty()) return;
        sendTheRest.await();
        out.write(rest.getBytes(StandardCharsets.UTF_8));
        out.flush();
        socket.getInputStream().read(); // until the client closes
      } catch (IOException | InterruptedException e) {
        // The test closed the server, or the client the connection: nothing more to send.
      }
    });
  }

  /** Reads the request's headers and its Content-Length body, so that the answer follows a whole request. */
  private static void readRequest(InputStream in) throws IOException {
    var head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("request cut short");
      head.write(b);
    }
    int length = head.toString(StandardCharsets.US_ASCII).lines()
        .filter(line -> line.toLowerCase().startsWith("content-length:"))
        .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).trim())).findFirst().orElse(0);
    in.readNBytes(length);
  }

  /** Each payload as an SSE event in an HTTP chunk of its own, as OpenAI sends them. */
  private static String chunked(List<String> payloads) {
    var body = new StringBuilder();
    for (String payload : payloads) body.append(chunk("data: " + payload + "\n\n"));
    return body.toString();
  }

  private static String chunk(String data) {
    int size = data.getBytes(StandardCharsets.UTF_8).length;
    return Integer.toHexString(size) + "\r\n" + data + "\r\n";
  }

  private static String delta(String text) {
    return "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}";
  }

  private static String finish() {
    return "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
  }

  private static ServerSocket newServer() {
    try {
      return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
