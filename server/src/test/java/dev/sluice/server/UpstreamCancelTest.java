package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole path of a disconnect: a client closes its socket to Sluice, and the upstream sees its
 * own socket from Sluice close. Each phase runs several trials and prints the latencies it saw;
 * the assertion bound is loose on purpose (a loaded CI machine), the printed figures are the result.
 */
class UpstreamCancelTest {
  private static final int TRIALS = 15;
  private static final Duration BOUND = Duration.ofMillis(250);
  private static final String BODY =
      "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static FakeUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).heartbeat(Duration.ZERO));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  private interface Phase {
    /** Sends the request on {@code socket} and returns once the stream is in the phase under test. */
    void reach(Socket socket) throws Exception;
  }

  private static List<Double> measure(Script script, boolean reset, Phase phase) throws Exception {
    var millis = new ArrayList<Double>();
    for (int i = 0; i < TRIALS; i++) {
      upstream.enqueue(script);
      var socket = new Socket("127.0.0.1", gateway.port());
      phase.reach(socket);
      RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
      if (reset) socket.setSoLinger(true, 0);
      long closedAt = System.nanoTime();
      socket.close();
      long goneAt = seen.clientGone().get(5, TimeUnit.SECONDS);
      millis.add((goneAt - closedAt) / 1e6);
    }
    return millis;
  }

  private static void report(String name, List<Double> millis) {
    var sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf("disconnect->upstream socket closed, %s: min %.2f / median %.2f / max %.2f ms (%d trials)%n",
        name, sorted.getFirst(), sorted.get(sorted.size() / 2), sorted.getLast(), sorted.size());
    assertThat(Duration.ofNanos((long) (sorted.getLast() * 1e6))).isLessThan(BOUND);
  }

  @Test
  void closesTheUpstreamSocketWhenTheClientLeavesWhileTheUpstreamThinks() throws Exception {
    // Headers sent, no event yet: the reasoning-model case, where nothing is written to the client.
    Script thinking = Script.openAiText("never").hangAfterChunks(0);
    Phase waiting = socket -> RawHttp.post(socket, "/v1/chat/completions", BODY);
    report("before first token, FIN", measure(thinking, false, waiting));
    report("before first token, RST", measure(thinking, true, waiting));
  }

  @Test
  void closesTheUpstreamSocketWhenTheClientLeavesBeforeTheUpstreamAnswers() throws Exception {
    report("waiting for upstream headers, FIN", measure(Script.openAiText("never").hangBeforeHeaders(), false,
        socket -> RawHttp.post(socket, "/v1/chat/completions", BODY)));
  }

  @Test
  void closesTheUpstreamSocketWhenTheClientLeavesMidStream() throws Exception {
    Script midStream = Script.openAiText("a", "b", "c", "d").hangAfterChunks(3);
    Phase reading = socket -> {
      RawHttp.post(socket, "/v1/chat/completions", BODY);
      InputStream in = socket.getInputStream();
      RawHttp.readUntil(in, "\"content\":\"b\"");
    };
    report("mid-stream, FIN", measure(midStream, false, reading));
    report("mid-stream, RST", measure(midStream, true, reading));
  }
}
