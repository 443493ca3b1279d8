package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.sluice.json.Json;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Responses client and a Responses upstream: the client's body goes upstream as it is (but its model),
 * the upstream's events come back byte for byte, and the relay still meters and ends the stream.
 */
class ResponsesPassthroughTest {
  /** What the translated path refuses and the passthrough carries. */
  static final String REQUEST = """
      {"model":"resp/gpt-5","input":[{"role":"user","content":"search it"}],"stream":true,
       "previous_response_id":"resp_earlier","store":true,"include":["reasoning.encrypted_content"],
       "tools":[{"type":"web_search"}],"max_output_tokens":64}""";

  static final String CREATED = event("response.created", """
      {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1,\
      "model":"gpt-5","status":"in_progress","output":[]}}""");
  static final String SEARCHING = event("response.web_search_call.searching", """
      {"type":"response.web_search_call.searching","sequence_number":1,"output_index":0,"item_id":"ws_1"}""");
  static final String REASONING = event("response.output_item.done", """
      {"type":"response.output_item.done","sequence_number":2,"output_index":1,\
      "item":{"id":"rs_1","type":"reasoning","summary":[],"encrypted_content":"gAAAAB-opaque=="}}""");
  static final String DELTA = event("response.output_text.delta", """
      {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":2,\
      "content_index":0,"delta":"Found it"}""");
  static final String COMPLETED = event("response.completed", """
      {"type":"response.completed","sequence_number":4,"response":{"id":"resp_1","object":"response",\
      "created_at":1,"model":"gpt-5","status":"completed","output":[],\
      "usage":{"input_tokens":21,"output_tokens":7,"total_tokens":28}}}""");

  static FakeUpstream responses;
  static FakeUpstream openAi;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    responses = FakeUpstream.start();
    openAi = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-test", openAi.baseUrl()).heartbeat(Duration.ZERO)
        .providers(List.of(new CompatibleProvider("resp", "responses", responses.baseUrl(), null, List.of()))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    responses.close();
    openAi.close();
  }

  @AfterEach
  void clearRows() throws Exception {
    LedgerRows.clear(gateway.ledger());
  }

  static String event(String type, String data) {
    return "event: " + type + "\ndata: " + data + "\n\n";
  }

  @Test
  void sendsTheClientsOwnBodyWithOnlyTheModelRenamed() throws Exception {
    responses.enqueue(Script.sseBody(CREATED + DELTA + COMPLETED));

    HttpResponse<String> r = gateway.postJson("/v1/responses", REQUEST);

    assertThat(r.statusCode()).isEqualTo(200);
    ObjectNode expected = (ObjectNode) Json.MAPPER.readTree(REQUEST);
    expected.put("model", "gpt-5");
    assertThat(responses.requests().getLast().bodyJson()).isEqualTo(expected);
  }

  @Test
  void relaysEveryEventByteForByteAndRecordsTheUpstreamsUsage() throws Exception {
    responses.enqueue(Script.sseBody(CREATED + SEARCHING + REASONING + DELTA + COMPLETED));

    HttpResponse<String> r = gateway.postJson("/v1/responses", REQUEST);

    assertThat(r.body()).contains(CREATED + SEARCHING + REASONING + DELTA + COMPLETED);
    assertThat(r.body()).doesNotContain("response.failed");
    Map<String, Object> row = LedgerRows.only(gateway.ledger());
    assertThat(row.get("status")).isEqualTo("completed");
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(21);
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(7);
  }

  @Test
  void endsABrokenStreamWithItsOwnFailureNumberedAfterTheLastEvent() throws Exception {
    responses.enqueue(Script.sseBody(CREATED + SEARCHING + DELTA));

    HttpResponse<String> r = gateway.postJson("/v1/responses", REQUEST);

    assertThat(r.body()).startsWith(CREATED + SEARCHING + DELTA).doesNotContain("event: response.completed");
    String last = r.body().substring(r.body().lastIndexOf("data: ") + 6).lines().findFirst().orElseThrow();
    JsonNode failed = Json.MAPPER.readTree(last);
    assertThat(failed.get("type").asText()).isEqualTo("response.failed");
    assertThat(failed.get("sequence_number").asLong()).isEqualTo(4);
    assertThat(LedgerRows.only(gateway.ledger()).get("status")).isNotEqualTo("completed");
  }

  @Test
  void theOfficialSdkStreamsThroughThePassthrough() {
    responses.enqueue(Script.sseBody(CREATED + SEARCHING + REASONING + DELTA + COMPLETED));
    var seen = new ArrayList<String>();
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("sk-client").baseUrl(gateway.uri("/v1").toString())
        .maxRetries(0).build();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
            .model("resp/gpt-5").input("search it").store(true).previousResponseId("resp_earlier").build())) {
      stream.stream().forEach(event -> {
        event.outputTextDelta().ifPresent(d -> seen.add(d.delta()));
        event.completed().ifPresent(c -> seen.add(c.response().usage().orElseThrow().outputTokens() + " tokens"));
      });
    } finally {
      client.close();
    }

    assertThat(seen).containsExactly("Found it", "7 tokens");
    assertThat(responses.requests().getLast().bodyJson().get("previous_response_id").asText()).isEqualTo("resp_earlier");
  }

  @Test
  void theSameRequestToAnotherProtocolIsStillA400NamingTheField() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/responses", REQUEST.replace("resp/gpt-5", "openai/gpt-4o"));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(r.body()).at("/error/param").asText()).isEqualTo("previous_response_id");
    assertThat(openAi.requests()).isEmpty();
  }
}
