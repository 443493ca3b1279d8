package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.server.config.Caps;
import dev.sluice.server.config.ResumeSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The caps on model requests in flight per virtual key and per client address: a request over one
 * is refused with 429 in its caller's dialect, with a {@code rejected} row and no upstream call; a
 * place is held until the request ends (a browser stream's until its generation ends, even after its
 * client left), and given back exactly once whichever way it ends.
 */
class RequestCapsTest {
  private static final String ADMIN = "admin-secret-for-caps-tests-5c1e";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final GatedProvider gate = new GatedProvider();

  /** A long grace period: a browser stream whose client left keeps generating until the test ends it. */
  private TestGateway start(int perKey, int perClient) throws Exception {
    return TestGateway.start(b -> b.caps(new Caps(0, perKey, perClient))
        .accounting(b.build().accounting().withAdminKey(ADMIN))
        .resume(new ResumeSettings(Duration.ofSeconds(60), Duration.ofSeconds(10), 1 << 20)), gate);
  }

  private static String openAi(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private static String anthropic(String model) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private static String browser(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  private static HttpRequest request(TestGateway g, String method, String path, String key, String json) {
    var b = HttpRequest.newBuilder(g.uri(path)).timeout(WAIT).header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (key != null) b.header("Authorization", "Bearer " + key);
    return b.build();
  }

  private static HttpResponse<String> send(TestGateway g, String method, String path, String key, String json)
      throws Exception {
    return g.http.send(request(g, method, path, key, json), HttpResponse.BodyHandlers.ofString());
  }

  private static CompletableFuture<HttpResponse<String>> sendAsync(TestGateway g, String path, String key, String json) {
    return g.http.sendAsync(request(g, "POST", path, key, json), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode createKey(TestGateway g, String name) throws Exception {
    HttpResponse<String> r = send(g, "POST", "/admin/keys", ADMIN, "{\"name\":\"" + name + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.MAPPER.readTree(r.body());
  }

  /** A POST on its own connection, read by the test: its client can leave at will. */
  private static Socket rawPost(TestGateway g, String path, String key, String json) throws Exception {
    var socket = new Socket("127.0.0.1", g.port());
    socket.setSoTimeout((int) WAIT.toMillis());
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return socket;
  }

  /** Reads a browser stream on {@code socket} up to its first event; returns the stream's id. */
  private static String streamIdOf(Socket socket) throws Exception {
    var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = reader.readLine()) != null; ) {
      if (line.startsWith("data: ")) return Json.MAPPER.readTree(line.substring(6)).get("stream").asText();
    }
    throw new AssertionError("the stream ended before its first event");
  }

  /** A request of {@code key} (null: none) for a held model is refused in each dialect, and reaches no upstream. */
  private void assertRefusedInEveryDialect(TestGateway g, String key) throws Exception {
    int opened = gate.openedCount();
    HttpResponse<String> openAi = send(g, "POST", "/v1/chat/completions", key, openAi("gate/held", true));
    assertThat(openAi.statusCode()).as(openAi.body()).isEqualTo(429);
    JsonNode error = Json.MAPPER.readTree(openAi.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
    assertThat(error.get("code").asText()).isEqualTo("too_many_requests_in_flight");
    assertThat(error.get("message").asText()).contains("in flight");

    HttpResponse<String> anthropic = send(g, "POST", "/v1/messages", key, anthropic("gate/held"));
    assertThat(anthropic.statusCode()).as(anthropic.body()).isEqualTo(429);
    JsonNode body = Json.MAPPER.readTree(anthropic.body());
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("rate_limit_error");

    HttpResponse<String> fetch = send(g, "POST", "/api/chat", key, browser("gate/held"));
    assertThat(fetch.statusCode()).as(fetch.body()).isEqualTo(429);
    assertThat(Json.MAPPER.readTree(fetch.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
    assertThat(Json.MAPPER.readTree(fetch.body()).at("/error/retryable").asBoolean()).isTrue();

    // EventSource cannot read an error response: a 200 with one error event.
    HttpResponse<String> eventSource = send(g, "GET", "/api/chat/stream?prompt=hi&model=gate/held", key, null);
    assertThat(eventSource.statusCode()).isEqualTo(200);
    List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(eventSource.body());
    assertThat(events).hasSize(1);
    assertThat(events.getFirst().data().at("/error/type").asText()).isEqualTo("rate_limit_error");

    assertThat(gate.openedCount()).as("refused before any upstream call").isEqualTo(opened);
  }

  private static List<Map<String, Object>> awaitRows(TestGateway g, int count) throws Exception {
    return LedgerRows.await(g.ledger(), rows -> rows.size() >= count, WAIT.toMillis());
  }

  private static double refusals(TestGateway g, String cap) throws Exception {
    return Scrape.parse(g.get("/metrics").body()).sum("sluice_cap_refusals_total", "cap", cap);
  }

  @Test
  void aKeyAtItsCapIsRefusedInEveryDialectAndItsNextRequestAfterOneEndsIsServed() throws Exception {
    try (TestGateway g = start(1, 0)) {
      JsonNode capped = createKey(g, "capped");
      String key = capped.get("key").asText();
      String other = createKey(g, "other").get("key").asText();
      CompletableFuture<HttpResponse<String>> held = sendAsync(g, "/v1/chat/completions", key, openAi("gate/held", true));
      GatedProvider.Gate stream = gate.awaitStream(WAIT);

      assertRefusedInEveryDialect(g, key);
      assertThat(send(g, "POST", "/v1/chat/completions", other, openAi("sim/echo", false)).statusCode())
          .as("another key has its own cap").isEqualTo(200);
      assertThat(g.server.caps().inFlightPerKey()).isEqualTo(1);

      stream.finish();
      HttpResponse<String> ended = held.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(ended.statusCode()).isEqualTo(200);
      assertThat(ended.body()).contains("data: [DONE]");
      // The place was given back before the stream's last byte: the very next request is served.
      assertThat(send(g, "POST", "/v1/chat/completions", key, openAi("sim/echo", true)).statusCode()).isEqualTo(200);

      List<Map<String, Object>> rows = awaitRows(g, 7);
      var refused = rows.stream().filter(r -> "rejected".equals(r.get("status"))).toList();
      assertThat(refused).hasSize(4).allSatisfy(r -> assertThat(r.get("key_id")).isEqualTo(capped.get("id").asText()));
      assertThat(g.server.caps().inFlightPerKey()).isZero();
      assertThat(refusals(g, "streams_per_key")).isEqualTo(4);
    }
  }

  @Test
  void aClientAtItsCapIsRefusedUntilItsBrowserStreamStopsGeneratingAfterItLeft() throws Exception {
    try (TestGateway g = start(0, 1)) {
      try (Socket socket = rawPost(g, "/api/chat", null, browser("gate/held"))) {
        assertThat(streamIdOf(socket)).startsWith("st_");
      }
      GatedProvider.Gate stream = gate.awaitStream(WAIT);
      // Its client left, but the stream generates on for its grace period, and keeps its place.
      assertRefusedInEveryDialect(g, null);
      assertThat(g.server.caps().inFlightPerClient()).isEqualTo(1);

      stream.finish();
      LedgerRows.await(g.ledger(), rows -> rows.stream().anyMatch(r -> !"rejected".equals(r.get("status"))),
          WAIT.toMillis());
      assertThat(g.server.caps().inFlightPerClient()).isZero();
      assertThat(send(g, "POST", "/v1/chat/completions", null, openAi("sim/echo", true)).statusCode()).isEqualTo(200);
      assertThat(refusals(g, "streams_per_client")).isEqualTo(4);
    }
  }

  @Test
  void everyPlaceIsGivenBackWhetherItsRequestCompletedFailedWasCancelledOrRefused() throws Exception {
    try (TestGateway g = start(3, 4)) {
      String key = createKey(g, "mixed").get("key").asText();
      // The key's three places: a client that will leave, a browser stream to abort, an upstream to fail.
      Socket leaving = rawPost(g, "/v1/chat/completions", key, openAi("gate/held", true));
      gate.awaitStream(WAIT);
      Socket aborted = rawPost(g, "/api/chat", key, browser("gate/held"));
      String streamId = streamIdOf(aborted);
      gate.awaitStream(WAIT);
      CompletableFuture<HttpResponse<String>> failing = sendAsync(g, "/v1/chat/completions", key, openAi("gate/held", false));
      GatedProvider.Gate toFail = gate.awaitStream(WAIT);
      assertThat(send(g, "POST", "/v1/chat/completions", key, openAi("sim/echo", true)).statusCode())
          .as("over the key's cap").isEqualTo(429);
      // The admin key takes the client's fourth place; a fifth request from this address is refused.
      CompletableFuture<HttpResponse<String>> admin = sendAsync(g, "/api/chat", ADMIN, browser("gate/held"));
      GatedProvider.Gate adminStream = gate.awaitStream(WAIT);
      assertThat(send(g, "POST", "/v1/messages", ADMIN, anthropic("sim/echo")).statusCode())
          .as("over the client's cap").isEqualTo(429);
      assertThat(g.server.caps().inFlightPerKey()).isEqualTo(3);
      assertThat(g.server.caps().inFlightPerClient()).isEqualTo(4);

      leaving.close();
      assertThat(send(g, "DELETE", "/api/streams/" + streamId, key, null).statusCode()).isEqualTo(204);
      aborted.close();
      toFail.fail();
      assertThat(failing.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(502);
      adminStream.finish();
      assertThat(admin.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);

      for (HttpResponse<String> r : List.of(
          send(g, "POST", "/v1/chat/completions", key, openAi("sim/echo", true)),
          send(g, "POST", "/v1/chat/completions", key, openAi("sim/echo", false)),
          send(g, "POST", "/v1/messages", key, anthropic("sim/echo")),
          send(g, "POST", "/api/chat", key, browser("sim/echo")),
          send(g, "GET", "/api/chat/stream?prompt=hi&model=sim/echo", key, null))) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      // Admitted, then failed before any upstream call: a model no provider serves.
      assertThat(send(g, "POST", "/v1/chat/completions", key, openAi("sim/nope", true)).statusCode()).isEqualTo(404);
      // A bug in the upstream call, on the request's thread and on a browser stream's generator.
      assertThat(send(g, "POST", "/v1/chat/completions", key, openAi("gate/broken", true)).statusCode()).isEqualTo(500);
      assertThat(send(g, "POST", "/api/chat", key, browser("gate/broken")).statusCode()).isEqualTo(500);

      List<Map<String, Object>> rows = awaitRows(g, 14);
      assertThat(rows).extracting(r -> r.get("status")).contains("completed", "failed", "aborted", "rejected");
      assertThat(g.server.caps().inFlightPerKey()).isZero();
      assertThat(g.server.caps().inFlightPerClient()).isZero();
    }
  }
}
