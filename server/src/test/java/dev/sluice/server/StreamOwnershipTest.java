package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.RedisSettings;
import dev.sluice.server.config.ResumeSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A browser stream belongs to the key that started it: another key can neither replay, follow nor
 * abort it, on the instance that generates it or on another one sharing its Redis; to that key the
 * stream does not exist (404). Stream ids are 128 random bits.
 */
class StreamOwnershipTest {
  private static final String ADMIN = "admin-secret-for-ownership-tests";
  private static final String CHAT =
      "{\"model\":\"sim/chat\",\"max_tokens\":60,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}";
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) redis.close();
  }

  /** An instance on the shared Redis and a ledger (with its virtual keys) shared by both instances. */
  private static TestGateway instance(Path ledger, RecordingProvider sim) throws Exception {
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
    try (TestGateway a = instance(ledger, onA); TestGateway b = instance(ledger, slowSim());
        var socket = new Socket("127.0.0.1", a.port())) {
      String alice = createKey(a, "alice");
      String mallory = createKey(a, "mallory");
      socket.setSoTimeout(5_000);
      byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
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
