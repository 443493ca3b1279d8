package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.RedisSettings;
import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.resume.SharedStreams;
import dev.sluice.server.resume.StreamAccess;
import dev.sluice.server.shared.Counters;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateways on one real Redis: a stream started on one resumes on the other with no gap and no
 * duplicate, an abort asked of either reaches the generating one, a stream belongs to the key that
 * started it on both, and rate-limit counters hold one limit across both.
 */
class TwoInstancesTest {
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) redis.close();
  }

  private static TestGateway instance(RedisServer server, RedisSettings.OnFailure onFailure, Duration grace,
      RecordingProvider provider) throws Exception {
    return TestGateway.start(b -> b.redis(new RedisSettings(server.uri(), onFailure))
        .resume(new ResumeSettings(grace, Duration.ofSeconds(10), 1 << 20)), provider);
  }

  private static RecordingProvider sim(double tokensPerSecond) {
    return new RecordingProvider(new SimProvider(new SimConfig(tokensPerSecond, Duration.ZERO)));
  }

  private static final String STREAM = "/api/chat/stream?prompt=tell%20me%20a%20story&model=sim/chat&max_tokens=30";

  @Test
  void resumesOnTheOtherInstanceWithNoGapNoDuplicateAndOneUpstreamRequest() throws Exception {
    RecordingProvider onA = sim(10);
    RecordingProvider onB = sim(10);
    // A grace period (1 s) shorter than the rest of the stream (30 tokens at 10 a second): the
    // follower on B must keep it alive. Long enough for B's request to arrive on a loaded machine.
    try (TestGateway a = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), onA);
        TestGateway b = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), onB)) {
      List<BrowserEndpointTest.Event> first = ResumeTest.readThenLeave(a, ResumeTest.get(STREAM), 3);
      String streamId = first.getFirst().data().get("stream").asText();
      RecordingProvider.Recorded upstream = onA.awaitStream(Duration.ofSeconds(5));

      HttpResponse<String> resumed = b.http.send(HttpRequest.newBuilder(b.uri("/api/streams/" + streamId))
          .header("Last-Event-ID", first.getLast().id()).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(resumed.statusCode()).isEqualTo(200);
      List<BrowserEndpointTest.Event> rest = BrowserEndpointTest.events(resumed.body());
      assertThat(rest.getLast().data().path("done").asBoolean()).as(resumed.body()).isTrue();

      var all = new ArrayList<>(first);
      all.addAll(rest);
      assertThat(ResumeTest.seqs(streamId, all)).isEqualTo(ResumeTest.range(0, all.size()));
      var text = new StringBuilder();
      all.forEach(e -> text.append(e.data().path("content").asText("")));
      assertThat(text.toString()).isEqualTo(upstreamText(a, streamId));
      assertThat(onA.openedCount()).isEqualTo(1);
      assertThat(onB.openedCount()).isZero();
      assertThat(upstream.cancelledAt).as("a stream followed on B is not cancelled by A's grace period").isNotDone();
    }
  }

  /** The whole stream's text as its own instance replays it from the start. */
  private static String upstreamText(TestGateway owner, String streamId) throws Exception {
    var text = new StringBuilder();
    BrowserEndpointTest.events(owner.get("/api/streams/" + streamId).body())
        .forEach(e -> text.append(e.data().path("content").asText("")));
    return text.toString();
  }

  @Test
  void anAbortOnOneInstanceCancelsTheGenerationOnTheOther() throws Exception {
    RecordingProvider onA = sim(5);
    try (TestGateway a = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(15), onA);
        TestGateway b = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(15), sim(5));
        var socket = new Socket("127.0.0.1", a.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(ResumeTest.get(STREAM).getBytes(StandardCharsets.US_ASCII));
      var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String streamId = null;
      for (String line; streamId == null && (line = reader.readLine()) != null; ) {
        if (line.startsWith("data: ")) streamId = Json.MAPPER.readTree(line.substring(6)).get("stream").asText();
      }
      RecordingProvider.Recorded upstream = onA.awaitStream(Duration.ofSeconds(5));

      HttpResponse<String> abort = b.http.send(HttpRequest.newBuilder(b.uri("/api/streams/" + streamId)).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(abort.statusCode()).isEqualTo(204);
      assertThat(upstream.cancelReason.get(5, TimeUnit.SECONDS).message()).contains("aborted by the client");
      var rest = new StringBuilder();
      for (String line; (line = reader.readLine()) != null && !line.equals("0"); ) rest.append(line).append('\n');
      assertThat(rest.toString()).contains("\"type\":\"cancelled\"").doesNotContain("\"done\"");

      HttpResponse<String> unknown = b.http.send(HttpRequest.newBuilder(b.uri("/api/streams/st_0123456789abcdef0123456789abcdef"))
          .DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(unknown.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aStreamIsKnownToTheOtherInstancesBeforeItsIdIsGivenOut() throws Exception {
    try (TestGateway a = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), sim(0));
        TestGateway b = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), sim(0))) {
      String streamId = "st_" + Long.toHexString(System.nanoTime());
      // Redis slow to take writes: the registration is still on its way when a mirror that does not
      // wait for it returns, and a client told the id could ask the other instance in vain.
      redis.pauseWrites(Duration.ofMillis(300));
      SharedStreams.Mirror mirror = a.server.shared().streams().mirror(streamId, StreamAccess.OPEN);

      assertThat(b.server.shared().streams().cancel(streamId, StreamAccess.ANYONE))
          .as("the other instance finds the stream as soon as its mirror exists").isTrue();
      mirror.end(null, null);
    }
  }

  @Test
  void countersHoldOneLimitAcrossBothInstances() throws Exception {
    try (TestGateway a = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), sim(0));
        TestGateway b = instance(redis, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), sim(0))) {
      Counters onA = a.server.shared().counters();
      Counters onB = b.server.shared().counters();
      String key = "test:rpm:" + System.nanoTime();
      for (int i = 1; i <= 10; i++) {
        Counters.Decision d = (i % 2 == 0 ? onB : onA).hit(key, 1, 10, Duration.ofMinutes(1));
        assertThat(d.allowed()).as("hit %d", i).isTrue();
        assertThat(d.count()).isEqualTo(i);
      }
      Counters.Decision eleventh = onB.hit(key, 1, 10, Duration.ofMinutes(1));
      assertThat(eleventh.allowed()).isFalse();
      assertThat(eleventh.count()).isEqualTo(10);
      assertThat(eleventh.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(onA.hit(key, 1, 10, Duration.ofMinutes(1)).allowed()).isFalse();
    }
  }

  @Test
  void failsClosedOrOpenAsConfiguredWhileRedisIsDownAndStreamsStillRun() throws Exception {
    RedisServer own = RedisServer.start();
    try (TestGateway closed = instance(own, RedisSettings.OnFailure.CLOSED, Duration.ofSeconds(1), sim(0));
        TestGateway open = instance(own, RedisSettings.OnFailure.OPEN, Duration.ofSeconds(1), sim(0))) {
      assertThat(closed.server.shared().counters().hit("k", 1, 10, Duration.ofMinutes(1)).allowed()).isTrue();
      own.close();

      Counters.Decision refused = closed.server.shared().counters().hit("k", 1, 10, Duration.ofMinutes(1));
      assertThat(refused.allowed()).isFalse();
      assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      assertThat(open.server.shared().counters().hit("k", 1, 10, Duration.ofMinutes(1)).allowed()).isTrue();

      // Browser streams do not depend on Redis: they run and end as on a single instance.
      HttpResponse<String> r = closed.get("/api/chat/stream?prompt=hi&model=sim/echo");
      assertThat(BrowserEndpointTest.events(r.body()).getLast().data().get("done").asBoolean()).isTrue();
    }
  }

  @Test
  void memoryCountersHoldTheLimitOnOneInstance() {
    Counters counters = new dev.sluice.server.shared.MemoryCounters();
    for (int i = 0; i < 10; i++) assertThat(counters.hit("k", 1, 10, Duration.ofMinutes(1)).allowed()).isTrue();
    Counters.Decision refused = counters.hit("k", 1, 10, Duration.ofMinutes(1));
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isPositive();
    assertThat(counters.hit("other", 5, 10, Duration.ofMinutes(1)).count()).isEqualTo(5);
  }

  private static final String ADMIN = "admin-secret-for-ownership-tests";
  private static final String STORY =
      "{\"model\":\"sim/chat\",\"max_tokens\":60,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}";
  /** A keyed instance on the shared Redis, with a ledger (with its virtual keys) shared by both instances. */
  private static TestGateway keyedInstance(Path ledger, RecordingProvider sim) throws Exception {
    return TestGateway.start(b -> b.redis(new RedisSettings(redis.uri(), RedisSettings.OnFailure.CLOSED))
        .resume(new ResumeSettings(Duration.ofSeconds(15), Duration.ofSeconds(10), 1 << 20))
        .accounting(Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + ledger).withAdminKey(ADMIN)), sim);
  }

  private static RecordingProvider slowSim() {
    return new RecordingProvider(new SimProvider(new SimConfig(5, Duration.ZERO)));
  }

  @Test
  void anotherKeyCannotReplayFollowOrAbortAStreamOnEitherInstance() throws Exception {
    Path dir = Files.createTempDirectory("sluice-owner-");
    Path ledger = dir.resolve("sluice.db");
    RecordingProvider onA = slowSim();
    try (TestGateway a = keyedInstance(ledger, onA); TestGateway b = keyedInstance(ledger, slowSim());
        var socket = new Socket("127.0.0.1", a.port())) {
      String alice = createKey(a, "alice");
      String mallory = createKey(a, "mallory");
      socket.setSoTimeout(5_000);
      byte[] body = STORY.getBytes(StandardCharsets.UTF_8);
      socket.getOutputStream().write(("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + alice + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String streamId = null;
      for (String line; streamId == null && (line = reader.readLine()) != null; ) {
        if (line.startsWith("data: ")) streamId = Json.MAPPER.readTree(line.substring(6)).get("stream").asText();
      }
      assertThat(streamId).matches("st_[0-9a-f]{32}");
      RecordingProvider.Recorded upstream = onA.awaitStream(Duration.ofSeconds(5));

      for (TestGateway on : new TestGateway[] {a, b}) {
        HttpResponse<String> replay = send(on, "GET", "/api/streams/" + streamId + "?after=0", mallory);
        assertThat(replay.statusCode()).as("replay by another key").isEqualTo(404);
        assertThat(replay.body()).doesNotContain("content");
        assertThat(send(on, "DELETE", "/api/streams/" + streamId, mallory).statusCode()).as("abort by another key").isEqualTo(404);
      }
      assertThat(upstream.cancelledAt).as("nobody but its owner aborted the stream").isNotDone();

      // Its owner reaches it from either instance; the admin key reaches every stream.
      HttpRequest follow = HttpRequest.newBuilder(b.uri("/api/streams/" + streamId + "?after=0"))
          .header("Authorization", "Bearer " + alice).GET().build();
      var followed = b.http.send(follow, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(followed.statusCode()).isEqualTo(200);
      followed.body().close();
      assertThat(send(b, "DELETE", "/api/streams/" + streamId, ADMIN).statusCode()).isEqualTo(204);
      assertThat(upstream.cancelReason.get(5, TimeUnit.SECONDS).message()).contains("aborted by the client");
    } finally {
      TestGateway.deleteTree(dir);
    }
  }

  private static String createKey(TestGateway g, String name) throws Exception {
    HttpResponse<String> r = g.http.send(HttpRequest.newBuilder(g.uri("/admin/keys")).header("Authorization", "Bearer " + ADMIN)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.MAPPER.readTree(r.body()).get("key").asText();
  }

  private static HttpResponse<String> send(TestGateway g, String method, String path, String key) throws Exception {
    return g.http.send(HttpRequest.newBuilder(g.uri(path)).header("Authorization", "Bearer " + key)
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }
}
