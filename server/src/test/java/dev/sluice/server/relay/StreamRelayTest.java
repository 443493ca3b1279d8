package dev.sluice.server.relay;

import static dev.sluice.server.relay.RelayLoopback.NEVER;
import static dev.sluice.server.relay.RelayLoopback.readToEnd;
import static dev.sluice.server.relay.RelayLoopback.readUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.server.config.Timeouts;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay loop on its own: a fed upstream stream, a real Jetty response on loopback, a test
 * encoder that names each event, and a listener that writes down what it is told.
 */
@Timeout(20)
class StreamRelayTest {
  private static final ChatRequest REQUEST = ChatRequest.of("m", List.of(Message.text(Role.USER, "say hello")));
  private static final Timeouts NO_DEADLINES = new Timeouts(NEVER, NEVER, NEVER, NEVER, NEVER);
  private static final Started START = new Started("id-1", "model-x", "p", 1);
  /** Answers an early failure as a whole response with its status. */
  private static final StreamRelay.ErrorResponder REFUSE =
      (error, channel) -> channel.respond(error.httpStatus(), "text/plain", "refused: " + error.message());

  private RelayLoopback loopback;
  private final RelayTimer timer = new RelayTimer();
  private final QueuedSource source = new QueuedSource();
  private final Heard heard = new Heard();

  @BeforeEach
  void start() throws Exception {
    loopback = RelayLoopback.start();
  }

  @AfterEach
  void stop() throws Exception {
    loopback.close();
    timer.close();
  }

  /** Writes down every callback, and every event the encoder writes, in one order. */
  private final class Heard implements RelayListener {
    final List<String> lines = new CopyOnWriteArrayList<>();
    StreamRelay started;

    @Override
    public void streamStarted(StreamRelay relay) {
      started = relay;
      lines.add("started");
    }

    @Override
    public void upstreamStarted(Started s) {
      lines.add("upstream " + s.qualifiedModel());
    }

    @Override
    public void chunkRead(long nanoTime) {
      lines.add("chunk");
    }

    /** Run as the stream ends, after the line is written. */
    volatile Runnable onEnding = () -> {};

    @Override
    public void streamEnding(Outcome outcome) {
      lines.add("ending " + outcome.status().word());
      onEnding.run();
    }

    @Override
    public void streamClosed(StreamRelay relay) {
      lines.add(source.closed.getCount() == 0 ? "closed after its upstream" : "closed before its upstream");
    }
  }

  /** Names each event as an SSE event type; writes down what it wrote. */
  private final StreamEncoder encoder = (event, sink) -> {
    String type = switch (event) {
      case Started s -> "start";
      case TextDelta t -> "text";
      case UsageReport u -> "usage";
      case Finished f -> "done";
      case Failed f -> "error";
      default -> "other";
    };
    heard.lines.add("wrote " + type);
    sink.event(type, null, switch (event) {
      case Started s -> s.qualifiedModel();
      case TextDelta t -> t.text();
      case UsageReport u -> u.usage().promptTokens() + "+" + u.usage().completionTokens();
      case Finished f -> f.reason().openAi();
      case Failed f -> f.error().code() != null ? f.error().code() : f.error().type().name();
      default -> event.toString();
    });
  };

  private StreamRelay relay(Timeouts timeouts, Duration heartbeat) {
    return new StreamRelay(timer, source, new UsageMeter(REQUEST), new StreamContext("st_1", System.nanoTime()), timeouts,
        heartbeat, heard);
  }

  private StreamRelay relay() {
    return relay(NO_DEADLINES, Duration.ZERO);
  }

  private Socket streamed(StreamRelay relay) throws IOException {
    return loopback.request(channel -> relay.stream(encoder, channel, REFUSE));
  }

  @Test
  void relaysEachEventThenItsUsageAndTimingBeforeACleanEnd() throws Exception {
    source.push(START, TextDelta.content("Hello"), new Finished(FinishReason.STOP));
    String body;
    try (Socket client = streamed(relay())) {
      body = readToEnd(client);
    }
    assertThat(body).startsWith("HTTP/1.1 200").contains("text/event-stream")
        .contains("event: start\ndata: p/model-x\n\n", "event: text\ndata: Hello\n\n", ": sluice-timing ttft_ms=");
    assertThat(body.indexOf("event: usage")).as("an estimate, the upstream having sent none")
        .isPositive().isLessThan(body.indexOf("event: done"));
    assertThat(body.indexOf("event: done")).isLessThan(body.indexOf(": sluice-timing"));
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.COMPLETED);
    assertThat(outcome.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(outcome.model()).isEqualTo("p/model-x");
    assertThat(outcome.usage().estimated()).isTrue();
    assertThat(outcome.ttftMillis()).isNotNegative();
  }

  /** The sizes of the chunks of a chunked HTTP/1.1 response read whole: one chunk per write. */
  private static List<Integer> chunkSizes(String response) {
    var sizes = new ArrayList<Integer>();
    int at = response.indexOf("\r\n\r\n") + 4;
    while (true) {
      int lineEnd = response.indexOf("\r\n", at);
      int size = Integer.parseInt(response.substring(at, lineEnd), 16);
      if (size == 0) return sizes;
      sizes.add(size);
      at = lineEnd + 2 + size + 2;
    }
  }

  @Test
  void writesTheEventsOfOneUpstreamReadAtOnce() throws Exception {
    source.push(START);
    for (int i = 0; i < 30; i++) source.push(TextDelta.content("token " + i));
    source.push(new Finished(FinishReason.STOP));
    String response;
    try (Socket client = streamed(relay())) {
      response = readToEnd(client);
    }
    assertThat(response).contains("data: token 0\n\n", "data: token 29\n\n", "event: done");
    assertThat(chunkSizes(response)).as("one write for the 31 events read at once, one for the end's (usage,"
        + " done, timing), then the last chunk").hasSize(2);
  }

  @Test
  void writesABusyStreamInBatchesOfBoundedSize() throws Exception {
    source.push(START);
    String piece = "z".repeat(1000);
    for (int i = 0; i < 100; i++) source.push(TextDelta.content(piece));
    source.push(new Finished(FinishReason.STOP));
    String response;
    try (Socket client = streamed(relay())) {
      response = readToEnd(client);
    }
    List<Integer> chunks = chunkSizes(response);
    assertThat(chunks).hasSizeBetween(6, 10).allSatisfy(size ->
        assertThat(size).isLessThan(ClientChannel.BATCH_BYTES + 2 * piece.length()));
  }

  @Test
  void writesWhatArrivedBeforeWaitingForTheUpstream() throws Exception {
    source.push(START, TextDelta.content("a"), TextDelta.content("b"));
    try (Socket client = streamed(relay())) {
      // Nothing more is ready: both are written before the relay waits for more.
      readUntil(client, "data: b\n\n");
      source.push(TextDelta.content("c"));
      readUntil(client, "data: c\n\n");
      source.push(new Finished(FinishReason.STOP));
      readToEnd(client);
    }
    assertThat(loopback.outcome().status()).isEqualTo(Outcome.Status.COMPLETED);
  }

  @Test
  void tellsItsListenerWhatHappensInOrderAndTheOutcomeBeforeTheClientCanSeeTheEnd() throws Exception {
    source.push(START, TextDelta.content("Hel"), TextDelta.content("lo"), new Finished(FinishReason.STOP));
    StreamRelay relay = relay();
    try (Socket client = streamed(relay)) {
      readToEnd(client);
    }
    loopback.outcome();
    assertThat(heard.started).isSameAs(relay);
    assertThat(heard.lines).containsExactly("started", "upstream p/model-x", "wrote start", "chunk", "wrote text",
        "chunk", "wrote text", "ending completed", "wrote usage", "wrote done", "closed after its upstream");
  }

  /**
   * The outcome is decided once, before the client can see the end: a client that leaves during
   * the final writes does not turn a completed stream into an aborted one for some listeners only.
   */
  @Test
  void endsOnceWithOneOutcomeWhenTheClientLeavesDuringTheFinalWrite() throws Exception {
    source.push(START, TextDelta.content("Hello"));
    Socket client = streamed(relay());
    readUntil(client, "data: Hello\n\n");
    heard.onEnding = () -> {
      heard.onEnding = () -> {};
      try {
        RelayLoopback.reset(client);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    source.push(TextDelta.content(" there".repeat(20_000)), new Finished(FinishReason.STOP));
    Outcome outcome = loopback.outcome();
    assertThat(heard.lines.stream().filter(line -> line.startsWith("ending"))).containsExactly("ending completed");
    assertThat(outcome.status()).isEqualTo(Outcome.Status.COMPLETED);
  }

  @Test
  void answersAFailureBeforeTheFirstByteWithTheDialectsErrorResponse() throws Exception {
    source.push(new Failed(new GatewayError(ErrorType.UPSTREAM_OVERLOADED, "busy", null, null, 503, null)));
    String response;
    try (Socket client = streamed(relay())) {
      response = readUntil(client, "refused: busy");
    }
    assertThat(response).startsWith("HTTP/1.1 503").doesNotContain("event:");
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAILED);
    assertThat(outcome.ttftMillis()).isEqualTo(-1);
    assertThat(heard.lines).containsSubsequence("ending failed", "closed after its upstream");
  }

  @Test
  void endsWithAnErrorEventWhenTheUpstreamFailsAfterTheFirstByte() throws Exception {
    source.push(START, TextDelta.content("Hel"), new Failed(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset")));
    String body;
    try (Socket client = streamed(relay())) {
      body = readToEnd(client);
    }
    assertThat(body).startsWith("HTTP/1.1 200").contains("event: text\ndata: Hel\n\n")
        .contains("event: error\ndata: UPSTREAM_ERROR\n\n").doesNotContain("event: done").doesNotContain("sluice-timing");
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAILED);
    assertThat(outcome.error().message()).isEqualTo("reset");
    assertThat(outcome.usage().estimated()).isTrue();
    assertThat(outcome.usage().completionTokens()).as("counted from what was sent").isPositive();
  }

  @Test
  void cancelsTheUpstreamAsAClientDisconnectWhenAWriteToTheClientFails() throws Exception {
    source.push(START, TextDelta.content("a"));
    Socket client = streamed(relay());
    readUntil(client, "data: a\n\n");
    RelayLoopback.reset(client);
    // The first writes after a reset may still be accepted by the kernel: feed until one fails.
    for (int i = 0; i < 200 && !source.awaitCancel(Duration.ofMillis(50)); i++) source.push(TextDelta.content("more"));
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.ABORTED);
    assertThat(outcome.error().clientGone()).isTrue();
    assertThat(source.cancels.getFirst().clientGone()).isTrue();
    assertThat(heard.lines).doesNotContain("wrote error");
  }

  @Test
  void endsAsATimeoutWhenItsWatchdogCancelsASilentUpstream() throws Exception {
    var firstTokenSoon = new Timeouts(NEVER, NEVER, Duration.ofMillis(100), NEVER, NEVER);
    String response;
    try (Socket client = streamed(relay(firstTokenSoon, Duration.ZERO))) {
      response = readUntil(client, "within 100 ms.");
    }
    assertThat(response).startsWith("HTTP/1.1 504");
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.TIMEOUT);
    assertThat(outcome.error().code()).isEqualTo("first_token");
  }

  @Test
  void aCancelFromAnotherThreadEndsTheStreamWithItsReasonInTheDialect() throws Exception {
    source.push(START, TextDelta.content("a"));
    StreamRelay relay = relay();
    String body;
    try (Socket client = streamed(relay)) {
      readUntil(client, "data: a\n\n");
      relay.cancel(new GatewayError(ErrorType.UPSTREAM_OVERLOADED, "stopping", null, "shutting_down", 0, null));
      body = readToEnd(client);
    }
    assertThat(body).contains("event: error\ndata: shutting_down\n\n").doesNotContain("event: done");
    assertThat(loopback.outcome().status()).isEqualTo(Outcome.Status.FAILED);
  }

  @Test
  void readsOnAfterTheClientLeftWhenDrainingToLearnTheRealUsage() throws Exception {
    source.push(START, TextDelta.content("a"));
    StreamRelay relay = relay().drainOnAbort(Duration.ofSeconds(10));
    String body;
    try (Socket client = streamed(relay)) {
      readUntil(client, "data: a\n\n");
      relay.clientGone();
      source.push(TextDelta.content("b"), new UsageReport(Usage.of(7, 3)), new Finished(FinishReason.STOP));
      body = readToEnd(client);
    }
    assertThat(body).doesNotContain("data: b").doesNotContain("event: usage").doesNotContain("event: done");
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.ABORTED);
    assertThat(outcome.error().clientGone()).isTrue();
    assertThat(outcome.usage()).isEqualTo(Usage.of(7, 3));
    assertThat(source.cancels).as("read to its end, not cancelled").isEmpty();
  }

  @Test
  void aDrainThatReachesItsCapCancelsTheUpstream() throws Exception {
    source.push(START, TextDelta.content("a"));
    StreamRelay relay = relay().drainOnAbort(Duration.ofMillis(100));
    try (Socket client = streamed(relay)) {
      readUntil(client, "data: a\n\n");
      relay.clientGone();
      source.push(TextDelta.content("b"));
      readToEnd(client);
    }
    Outcome outcome = loopback.outcome();
    assertThat(outcome.status()).isEqualTo(Outcome.Status.ABORTED);
    assertThat(outcome.usage().estimated()).isTrue();
    assertThat(source.cancels).singleElement().satisfies(reason -> {
      assertThat(reason.clientGone()).isTrue();
      assertThat(reason.message()).contains("drain limit of 100 ms");
    });
  }

  @Test
  void collectsAWholeAnswerAndSaysItsTimingInAHeader() throws Exception {
    source.push(START, TextDelta.content("Hello"), new Finished(FinishReason.STOP));
    StreamRelay relay = relay();
    var collected = new ArrayList<StreamEvent>();
    String response;
    try (Socket client = loopback.request(channel -> relay.collect(collected::add,
        () -> channel.respond(200, "text/plain", "whole answer of " + collected.size() + " events"), channel, REFUSE))) {
      response = readUntil(client, " events");
    }
    assertThat(response).startsWith("HTTP/1.1 200").contains("Server-Timing: ttft;dur=").endsWith("whole answer of 4 events");
    assertThat(collected).hasSize(4).last().isEqualTo(new Finished(FinishReason.STOP));
    assertThat(collected.get(2)).isInstanceOf(UsageReport.class);
    assertThat(loopback.outcome().status()).isEqualTo(Outcome.Status.COMPLETED);
  }

  /** A replay log in memory: what was appended, and how it ended. */
  private static final class MemoryLog implements EventLog {
    final List<String> appended = new ArrayList<>();
    String trailer;
    GatewayError early;

    @Override
    public void event(String type, String id, String data) {
      appended.add(type + ": " + data);
    }

    @Override
    public void comment(String text) {
      appended.add(": " + text);
    }

    @Override
    public boolean started() {
      return !appended.isEmpty();
    }

    @Override
    public void end(String trailer) {
      this.trailer = trailer;
    }

    @Override
    public void failEarly(GatewayError error) {
      early = error;
    }
  }

  @Test
  void logsTheStreamIntoAReplayLogAndEndsItWithTheTiming() {
    source.push(START, TextDelta.content("Hello"), new UsageReport(Usage.of(3, 1)), new Finished(FinishReason.STOP));
    var log = new MemoryLog();
    Outcome outcome = relay().log(encoder, log);
    assertThat(log.appended).containsExactly("start: p/model-x", "text: Hello", "usage: 3+1", "done: stop");
    assertThat(log.trailer).startsWith("sluice-timing ttft_ms=");
    assertThat(outcome.status()).isEqualTo(Outcome.Status.COMPLETED);
    assertThat(outcome.usage()).isEqualTo(Usage.of(3, 1));
  }

  @Test
  void failsAReplayLogEarlyWhenTheUpstreamFailsBeforeItsFirstEvent() {
    GatewayError busy = new GatewayError(ErrorType.UPSTREAM_OVERLOADED, "busy", null, null, 503, null);
    source.push(new Failed(busy));
    var log = new MemoryLog();
    Outcome outcome = relay().log(encoder, log);
    assertThat(log.appended).isEmpty();
    assertThat(log.early).isEqualTo(busy);
    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAILED);
  }
}
