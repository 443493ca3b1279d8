package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.sim.SimConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A stop drains: {@code /readyz} turns 503 at once, open streams run on up to
 * {@code server.drain_timeout}, those still open then end with their dialect's error, and the stop
 * hooks run last.
 */
class GracefulShutdownTest {

  static void await(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.onSpinWait();
    }
  }

  static String get(Socket keepAlive, String path) throws IOException {
    keepAlive.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    keepAlive.getOutputStream().flush();
    return RawHttp.readResponse(keepAlive.getInputStream());
  }

  static String words(int n) {
    var b = new StringBuilder();
    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append("w").append(i);
    return b.toString();
  }

  @Test
  void aStreamWithinTheDrainDeadlineFinishesWhileReadyzSaysDrainingAndNewRequestsAreRefused() throws Exception {
    // 12 words at 40 tokens a second: about 300 ms of stream, well within a 10 s drain.
    try (TestGateway gateway = TestGateway.start(b -> b.sim(new SimConfig(40, Duration.ZERO))
        .drainTimeout(Duration.ofSeconds(10)));
        Socket probe = new Socket("127.0.0.1", gateway.port())) {
      var hookRuns = new AtomicInteger();
      var streamEnded = new CompletableFuture<String>();
      gateway.server.lifecycle().onStop("ledger flush", () -> hookRuns.set(streamEnded.isDone() ? 1 : -1));
      assertThat(get(probe, "/readyz")).startsWith("HTTP/1.1 200");
      try (Socket stream = RawHttp.post(gateway.port(), "/v1/chat/completions",
          "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + words(12) + "\"}]}")) {
        await(() -> gateway.server.lifecycle().openStreams().count() == 1, "the stream to open");
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
          try {
            gateway.server.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        await(() -> gateway.server.lifecycle().draining(), "the stop to begin");
        String readyz = get(probe, "/readyz");
        assertThat(readyz).startsWith("HTTP/1.1 503").contains("\"status\":\"draining\"");
        // A new request on a connection still open is refused in its dialect, not started.
        RawHttp.post(probe, "/v1/chat/completions",
            "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"late\"}]}");
        assertThat(RawHttp.readResponse(probe.getInputStream())).startsWith("HTTP/1.1 503").contains("shutting_down");
        String response = RawHttp.readResponse(stream.getInputStream());
        streamEnded.complete(response);
        assertThat(response).contains("w11").contains("data: [DONE]\n\n").doesNotContain("\"error\"");
        stopped.get(10, TimeUnit.SECONDS);
        assertThat(hookRuns.get()).as("the stop hook ran once, after the stream ended").isEqualTo(1);
      }
    }
  }

  @Test
  void anOpenAiStreamOutlivingTheDrainEndsWithAnErrorNeverDone() throws Exception {
    String body = outlive("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + words(300) + "\"}]}");
    assertThat(body).doesNotContain("[DONE]");
    String last = body.strip().lines().reduce((a, b) -> b).orElseThrow();
    assertThat(last).startsWith("data: {\"error\"").contains("shutting_down");
  }

  @Test
  void anAnthropicStreamOutlivingTheDrainEndsWithAnErrorEventNeverMessageStop() throws Exception {
    String body = outlive("/v1/messages", "{\"model\":\"sim/echo\",\"max_tokens\":1000,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + words(300) + "\"}]}");
    assertThat(body).doesNotContain("message_stop");
    assertThat(body).contains("event: error").contains("overloaded_error").contains("shutting down");
  }

  /** Streams 300 words at 20 a second (15 s) against a 200 ms drain; returns what the client got. */
  private static String outlive(String path, String json) throws Exception {
    try (TestGateway gateway = TestGateway.start(b -> b.sim(new SimConfig(20, Duration.ZERO))
        .heartbeat(Duration.ZERO).drainTimeout(Duration.ofMillis(200)))) {
      var hookRan = new AtomicInteger();
      gateway.server.lifecycle().onStop("flush", hookRan::incrementAndGet);
      try (Socket stream = RawHttp.post(gateway.port(), path, json)) {
        InputStream in = stream.getInputStream();
        RawHttp.readUntil(in, "w1");
        long start = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
          try {
            gateway.server.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        stopped.get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stopped at the drain deadline, not the stream's end")
            .isLessThan(Duration.ofSeconds(5));
        assertThat(hookRan.get()).isEqualTo(1);
        assertThat(rest).as("the stream went on during the drain").contains("w2");
        // Without the chunked framing: the size lines.
        return rest.replace("\r", "").replaceAll("(?m)^[0-9a-f]+$", "");
      }
    }
  }
}
