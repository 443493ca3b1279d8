package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/responses} as an endpoint: its refusals in OpenAI's shape, its ledger rows, a client that leaves. */
class ResponsesEndpointTest {
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

  @AfterEach
  void clearRows() throws Exception {
    LedgerRows.clear(gateway.ledger());
  }

  @Test
  void abortsTheUpstreamAndLeavesAnAbortedRowWhenTheClientLeavesMidStream() throws Exception {
    upstream.enqueue(Script.openAiText("a", "b", "c", "d").hangAfterChunks(3));
    try (var socket = new Socket("127.0.0.1", gateway.port())) {
      RawHttp.post(socket, "/v1/responses", "{\"model\":\"openai/gpt-4o\",\"input\":\"hi\",\"stream\":true}");
      RawHttp.readUntil(socket.getInputStream(), "\"delta\":\"b\"");
      RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
      socket.close();
      seen.clientGone().get(5, TimeUnit.SECONDS);
    }

    assertThat(LedgerRows.only(gateway.ledger()).get("status")).isEqualTo("aborted");
  }

  @Test
  void aCompletedAnswerLeavesOneRowWithItsUsage() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/responses", "{\"model\":\"sim/echo\",\"input\":\"three words here\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> row = LedgerRows.only(gateway.ledger());
    assertThat(row.get("status")).isEqualTo("completed");
    assertThat(row.get("model")).isEqualTo("sim/echo");
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(3);
  }

  @Test
  void aFieldThatChangesTheMeaningIsA400NamingItAndARejectedRow() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/responses",
        "{\"model\":\"sim/echo\",\"input\":\"x\",\"background\":true}");

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("param").asText()).isEqualTo("background");
    assertThat(LedgerRows.only(gateway.ledger()).get("status")).isEqualTo("rejected");
  }

  @Test
  void onlyPostIsServedAndAnotherMethodIsA405InOpenAisShape() throws Exception {
    HttpResponse<String> r = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/v1/responses")).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    assertThat(Json.MAPPER.readTree(r.body()).at("/error/type").asText()).isNotEmpty();
  }
}
