package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BrowserEndpointTest {

  record Event(String id, JsonNode data) {}

  static List<Event> events(String body) throws Exception {
    var out = new ArrayList<Event>();
    for (String block : body.split("\n\n")) {
      if (block.isBlank() || block.startsWith(":")) continue;
      String id = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) id = line.substring(4);
        else if (line.startsWith("data: ")) data = line.substring(6);
        else if (!line.startsWith(":")) throw new AssertionError("unexpected line " + line);
      }
      out.add(new Event(id, Json.MAPPER.readTree(data)));
    }
    return out;
  }

  @Test
  void streamsEventSourceFriendlyEventsWithIdsAndADoneEvent() throws Exception {
    try (TestGateway gateway = TestGateway.start()) {
      HttpResponse<String> r = gateway.get("/api/chat/stream?prompt=tell%20me%20more&model=sim/echo");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
      assertThat(r.body()).doesNotContain("event:");
      List<Event> events = events(r.body());
      String streamId = events.getFirst().data().get("stream").asText();
      assertThat(events.getFirst().data().get("model").asText()).isEqualTo("sim/echo");
      assertThat(streamId).startsWith("st_");
      for (int i = 0; i < events.size(); i++) assertThat(events.get(i).id()).isEqualTo(streamId + ":" + i);
      var text = new StringBuilder();
      events.forEach(e -> text.append(e.data().path("content").asText("")));
      assertThat(text.toString()).isEqualTo("tell me more");
      JsonNode done = events.getLast().data();
      assertThat(done.get("done").asBoolean()).isTrue();
      assertThat(done.get("finishReason").asText()).isEqualTo("stop");
      assertThat(done.at("/usage/completionTokens").asInt()).isEqualTo(3);
      assertThat(done.at("/usage/estimated").asBoolean()).isFalse();
      assertThat(done.get("costUsd").decimalValue()).isZero();
      assertThat(done.at("/timing/ttftMs").asDouble()).isPositive();
      assertThat(done.at("/timing/overheadMs").isNumber()).isTrue();
    }
  }

  @Test
  void streamsForFetchClientsFromAPostedConversation() throws Exception {
    try (TestGateway gateway = TestGateway.start()) {
      HttpResponse<String> r = gateway.postJson("/api/chat",
          "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"first\"},"
              + "{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"second turn\"}]}");
      List<Event> events = events(r.body());
      var text = new StringBuilder();
      events.forEach(e -> text.append(e.data().path("content").asText("")));
      assertThat(text.toString()).isEqualTo("second turn");
      assertThat(events.getLast().data().get("done").asBoolean()).isTrue();
    }
  }

  @Test
  void reportsBadInputAsAnErrorEventToEventSource() throws Exception {
    try (TestGateway gateway = TestGateway.start()) {
      HttpResponse<String> missing = gateway.get("/api/chat/stream?model=sim/echo");
      assertThat(missing.statusCode()).isEqualTo(200);
      JsonNode error = events(missing.body()).getFirst().data().get("error");
      assertThat(error.get("message").asText()).contains("prompt");
      assertThat(error.get("retryable").asBoolean()).isFalse();

      HttpResponse<String> unknown = gateway.get("/api/chat/stream?prompt=x&model=nope/none");
      assertThat(events(unknown.body()).getFirst().data().at("/error/type").asText()).isEqualTo("not_found_error");
    }
  }

  @Test
  void answersBadPostsWith4xxAndAJsonError() throws Exception {
    try (TestGateway gateway = TestGateway.start()) {
      HttpResponse<String> r = gateway.postJson("/api/chat", "{\"messages\":[]}");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(Json.MAPPER.readTree(r.body()).at("/error/message").asText()).contains("messages");
      HttpResponse<String> notJson = gateway.postJson("/api/chat", "not json");
      assertThat(notJson.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void abortsARunningStreamOnDeleteAndTellsTheClient() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(2, Duration.ZERO)));
    try (TestGateway gateway = TestGateway.start(b -> b, provider);
        var socket = new java.net.Socket("127.0.0.1", gateway.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("GET /api/chat/stream?prompt=x&model=sim/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      RecordingProvider.Recorded stream = provider.awaitStream(Duration.ofSeconds(5));
      var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String streamId = null;
      for (String line; streamId == null && (line = reader.readLine()) != null; ) {
        if (line.startsWith("data: ")) streamId = Json.MAPPER.readTree(line.substring(6)).get("stream").asText();
      }
      HttpResponse<String> abort = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/api/streams/" + streamId))
          .DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(abort.statusCode()).isEqualTo(204);
      assertThat(stream.cancelReason.get(5, TimeUnit.SECONDS).message()).contains("aborted");
      var rest = new StringBuilder();
      for (String line; (line = reader.readLine()) != null && !line.equals("0"); ) rest.append(line).append('\n');
      assertThat(rest.toString()).contains("\"error\":{").contains("\"type\":\"cancelled\"").doesNotContain("\"done\"");

      HttpResponse<String> again = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/api/streams/" + streamId))
          .DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(again.statusCode()).isEqualTo(404);
    }
  }
}
