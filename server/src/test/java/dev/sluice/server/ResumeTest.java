package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.ResumeSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Browser streams resume: a client that lost its connection reconnects with {@code Last-Event-ID}
 * and gets exactly the events after it, then the live rest, while the upstream sees one request.
 */
class ResumeTest {
  private static final String STREAM = "/api/chat/stream?prompt=tell%20me%20a%20story&model=sim/chat&max_tokens=40";

  /** Sim at 100 tokens a second: long enough to lose the connection mid-stream, short enough for a test. */
  private static RecordingProvider pacedSim() {
    return new RecordingProvider(new SimProvider(new SimConfig(100, Duration.ZERO)));
  }

  private static TestGateway gateway(RecordingProvider provider, Duration grace) throws Exception {
    return TestGateway.start(b -> b.resume(new ResumeSettings(grace, Duration.ofSeconds(10), 1 << 20)), provider);
  }

  /** Opens a stream on a raw socket, reads {@code count} events, and leaves with their ids and data. */
  static List<BrowserEndpointTest.Event> readThenLeave(TestGateway gateway, String request, int count) throws Exception {
    var events = new ArrayList<BrowserEndpointTest.Event>();
    try (var socket = new Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String id = null;
      for (String line; events.size() < count && (line = reader.readLine()) != null; ) {
        if (line.startsWith("id: ")) id = line.substring(4);
        if (line.startsWith("data: ")) events.add(new BrowserEndpointTest.Event(id, Json.MAPPER.readTree(line.substring(6))));
      }
    }
    assertThat(events).hasSize(count);
    return events;
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  }

  private static HttpResponse<String> getWith(TestGateway gateway, String path, String lastEventId) throws Exception {
    var request = HttpRequest.newBuilder(gateway.uri(path)).GET();
    if (lastEventId != null) request.header("Last-Event-ID", lastEventId);
    return gateway.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The seqs of {@code events}, checking that every id names {@code streamId}. */
  static List<Long> seqs(String streamId, List<BrowserEndpointTest.Event> events) {
    var seqs = new ArrayList<Long>();
    for (var e : events) {
      assertThat(e.id()).startsWith(streamId + ":");
      seqs.add(Long.parseLong(e.id().substring(streamId.length() + 1)));
    }
    return seqs;
  }

  static List<Long> range(long from, long toExclusive) {
    var out = new ArrayList<Long>();
    for (long i = from; i < toExclusive; i++) out.add(i);
    return out;
  }

  @Test
  void resumesAnEventSourceReconnectWithNoGapNoDuplicateAndOneUpstreamRequest() throws Exception {
    RecordingProvider provider = pacedSim();
    try (TestGateway gateway = gateway(provider, Duration.ofSeconds(5))) {
      List<BrowserEndpointTest.Event> first = readThenLeave(gateway, get(STREAM), 4);
      String streamId = first.getFirst().data().get("stream").asText();
      RecordingProvider.Recorded upstream = provider.awaitStream(Duration.ofSeconds(5));

      // What an EventSource does by itself: the same URL again, with the last id it saw.
      HttpResponse<String> resumed = getWith(gateway, STREAM, first.getLast().id());
      assertThat(resumed.statusCode()).isEqualTo(200);
      List<BrowserEndpointTest.Event> rest = BrowserEndpointTest.events(resumed.body());
      assertThat(rest.getLast().data().get("done").asBoolean()).isTrue();

      var all = new ArrayList<>(first);
      all.addAll(rest);
      assertThat(seqs(streamId, all)).isEqualTo(range(0, all.size()));
      // The whole stream, replayed from the start, is exactly what the two connections got together.
      List<BrowserEndpointTest.Event> replay = BrowserEndpointTest.events(getWith(gateway, "/api/streams/" + streamId, null).body());
      assertThat(replay).isEqualTo(all);
      assertThat(provider.openedCount()).isEqualTo(1);
      assertThat(upstream.cancelledAt).as("a resumed stream is never cancelled").isNotDone();
    }
  }

  @Test
  void resumesAPostedStreamOnTheStreamsEndpointByAfterOrLastEventIdParameter() throws Exception {
    RecordingProvider provider = pacedSim();
    try (TestGateway gateway = gateway(provider, Duration.ofSeconds(5))) {
      String body = "{\"model\":\"sim/chat\",\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}]}";
      List<BrowserEndpointTest.Event> first = readThenLeave(gateway, "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, 3);
      String streamId = first.getFirst().data().get("stream").asText();

      List<BrowserEndpointTest.Event> byAfter = BrowserEndpointTest.events(
          getWith(gateway, "/api/streams/" + streamId + "?after=2", null).body());
      assertThat(seqs(streamId, byAfter)).isEqualTo(range(3, 3 + byAfter.size()));
      assertThat(byAfter.getLast().data().get("done").asBoolean()).isTrue();
      List<BrowserEndpointTest.Event> byParameter = BrowserEndpointTest.events(
          getWith(gateway, "/api/streams/" + streamId + "?lastEventId=" + streamId + ":2", null).body());
      assertThat(byParameter).isEqualTo(byAfter);
      assertThat(provider.openedCount()).isEqualTo(1);
    }
  }

  @Test
  void keepsGeneratingForTheGracePeriodThenCancelsAndTheLogStillTellsHowItEnded() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(20, Duration.ZERO)));
    Duration grace = Duration.ofMillis(300);
    try (TestGateway gateway = gateway(provider, grace)) {
      List<BrowserEndpointTest.Event> first = readThenLeave(gateway, get(STREAM), 2);
      String streamId = first.getFirst().data().get("stream").asText();
      RecordingProvider.Recorded upstream = provider.awaitStream(Duration.ofSeconds(5));
      assertThat(upstream.cancelReason.get(5, TimeUnit.SECONDS).clientGone()).isTrue();
      upstream.closed.get(5, TimeUnit.SECONDS);

      // Resumable for the retention window: what was generated, then the error that ended it.
      List<BrowserEndpointTest.Event> rest = BrowserEndpointTest.events(getWith(gateway, STREAM, first.getLast().id()).body());
      assertThat(rest.getLast().data().at("/error/type").asText()).isEqualTo("cancelled");
      assertThat(rest).noneMatch(e -> e.data().has("done"));
      DELETE_finds_nothing(gateway, streamId);
    }
  }

  @Test
  void billsAStreamNobodyResumedAsAbortedWithTheUsageItGenerated() throws Exception {
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("sluice.access");
    var lines = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    lines.start();
    ch.qos.logback.classic.Level level = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    logger.setAdditive(false);
    logger.addAppender(lines);
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(50, Duration.ZERO)));
    try (TestGateway gateway = gateway(provider, Duration.ofMillis(200))) {
      readThenLeave(gateway, get("/api/chat/stream?prompt=a%20long%20one&model=sim/chat&max_tokens=500"), 4);
      provider.awaitStream(Duration.ofSeconds(5)).closed.get(5, TimeUnit.SECONDS);
      // The outcome belongs to the request that started the generation; it is logged as that request ends.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      Map<String, Object> line = null;
      while (line == null && System.nanoTime() < deadline) {
        line = List.copyOf(lines.list).stream().map(ResumeTest::fields)
            .filter(m -> "/api/chat/stream".equals(m.get("path"))).findFirst().orElse(null);
        if (line == null) Thread.sleep(10);
      }
      assertThat(line).as("access log line of the generation").isNotNull().containsEntry("end", "aborted");
      assertThat(((Number) line.get("tokens_out")).longValue()).as("completion tokens generated before the cancel")
          .isGreaterThanOrEqualTo(3);
    } finally {
      logger.detachAppender(lines);
      logger.setAdditive(true);
      logger.setLevel(level);
    }
  }

  @Test
  void refusesAResumeFromBeforeTheKeptWindowWithAClearErrorEvent() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ZERO)));
    try (TestGateway gateway = TestGateway.start(
        b -> b.resume(new ResumeSettings(Duration.ofSeconds(10), Duration.ofSeconds(10), 64 * 1024)), provider)) {
      // sim/echo says the prompt back word by word: 4,000 words are far more than 64 KiB of events.
      String body = "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\""
          + "word ".repeat(4_000) + "\"}]}";
      String first = readThenLeave(gateway, "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body, 1).getFirst().data().get("stream").asText();
      // With no client the generator runs on at full speed, dropping the oldest events past the cap.
      provider.awaitStream(Duration.ofSeconds(5)).closed.get(10, TimeUnit.SECONDS);

      HttpResponse<String> early = getWith(gateway, "/api/streams/" + first + "?after=0", null);
      assertThat(early.statusCode()).isEqualTo(200);
      List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(early.body());
      assertThat(events).hasSize(1);
      assertThat(events.getFirst().data().at("/error/message").asText()).contains("can no longer be resumed after event 0");

      // The kept window itself still replays, through to the end.
      List<BrowserEndpointTest.Event> all = BrowserEndpointTest.events(
          getWith(gateway, "/api/streams/" + first + "?after=3990", null).body());
      assertThat(all.getLast().data().get("done").asBoolean()).isTrue();
    }
  }

  private static void DELETE_finds_nothing(TestGateway gateway, String streamId) throws Exception {
    HttpResponse<String> abort = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/api/streams/" + streamId))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(abort.statusCode()).isEqualTo(404);
  }

  @Test
  void abortsAStreamWhoseClientLeftAtOnceOnDelete() throws Exception {
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(5, Duration.ZERO)));
    try (TestGateway gateway = gateway(provider, Duration.ofSeconds(30))) {
      String streamId = readThenLeave(gateway, get(STREAM), 1).getFirst().data().get("stream").asText();
      RecordingProvider.Recorded upstream = provider.awaitStream(Duration.ofSeconds(5));
      HttpResponse<String> abort = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/api/streams/" + streamId))
          .DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(abort.statusCode()).isEqualTo(204);
      assertThat(upstream.cancelReason.get(5, TimeUnit.SECONDS).message()).contains("aborted by the client");
    }
  }

  @Test
  void answersUnknownStreams404AndMalformedResumePoints400() throws Exception {
    try (TestGateway gateway = gateway(pacedSim(), Duration.ofSeconds(1))) {
      HttpResponse<String> unknown = getWith(gateway, "/api/streams/st_0123456789abcdef0123456789abcdef", null);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(Json.MAPPER.readTree(unknown.body()).at("/error/type").asText()).isEqualTo("not_found_error");
      assertThat(getWith(gateway, STREAM, "st_0123456789abcdef0123456789abcdef:3").statusCode()).isEqualTo(404);

      for (String bad : List.of("nonsense", "st_0123456789abcdef0123456789abcdef", "st_0123456789abcdef0123456789abcdef:-1", "st_0123:2", "st_0123456789abcdef0123456789abcdef:x")) {
        HttpResponse<String> r = getWith(gateway, STREAM, bad);
        assertThat(r.statusCode()).as(bad).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
      }
      assertThat(getWith(gateway, "/api/streams/st_0123456789abcdef0123456789abcdef?after=x", null).statusCode()).isEqualTo(400);
      assertThat(getWith(gateway, "/api/streams/st_0123456789abcdef0123456789abcdef", "st_fedcba9876543210fedcba9876543210:1").statusCode()).isEqualTo(400);
    }
  }

  private static Map<String, Object> fields(ch.qos.logback.classic.spi.ILoggingEvent event) {
    Map<String, Object> fields = new java.util.HashMap<>();
    if (event.getKeyValuePairs() != null) {
      for (var pair : event.getKeyValuePairs()) fields.put(pair.key, pair.value);
    }
    return fields;
  }
}
