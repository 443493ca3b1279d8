package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimEmbeddings;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/embeddings}: on {@code sim/embed} and relayed from OpenAI-compatible upstreams, each with its ledger row. */
class EmbeddingsEndpointTest {
  static final String UPSTREAM_ANSWER = """
      {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],
       "model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}}""";
  static FakeUpstream openAi;
  static FakeUpstream compatible;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    openAi = FakeUpstream.start();
    compatible = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-upstream", openAi.baseUrl())
        .anthropic("sk-ant", openAi.baseUrl().resolve("/"))
        .providers(List.of(new CompatibleProvider("local", "openai", compatible.baseUrl(), null, List.of()))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    openAi.close();
    compatible.close();
  }

  @AfterEach
  void clearRows() throws Exception {
    LedgerRows.clear(gateway.ledger());
  }

  @Test
  void simEmbedAnswersWithUnitVectorsAndLeavesACompletedRow() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/embeddings",
        "{\"model\":\"sim/embed\",\"input\":[\"the sluice\",\"a gate\"],\"dimensions\":8}");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.get("data")).hasSize(2);
    assertThat(body.at("/data/1/index").asInt()).isEqualTo(1);
    assertThat(body.at("/data/0/embedding")).hasSize(8);
    long tokens = body.at("/usage/prompt_tokens").asLong();
    assertThat(tokens).isPositive();
    Map<String, Object> row = LedgerRows.only(gateway.ledger());
    assertThat(row.get("status")).isEqualTo("completed");
    assertThat(row.get("model")).isEqualTo("sim/embed");
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(tokens);
    assertThat(((Number) row.get("completion_tokens")).longValue()).isZero();
  }

  @Test
  void modelsListsSimEmbed() throws Exception {
    assertThat(gateway.get("/v1/models").body()).contains("\"id\":\"sim/" + SimEmbeddings.MODEL + "\"");
  }

  @Test
  void anOpenAiUpstreamsAnswerIsRelayedAndItsUsagePriced() throws Exception {
    openAi.enqueue(Script.json(200, UPSTREAM_ANSWER));
    HttpResponse<String> r = gateway.postJson("/v1/embeddings",
        "{\"model\":\"openai/text-embedding-3-small\",\"input\":\"hello\",\"encoding_format\":\"float\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body())).isEqualTo(Json.MAPPER.readTree(UPSTREAM_ANSWER));
    var sent = openAi.requests().getLast();
    assertThat(sent.path()).isEqualTo("/v1/embeddings");
    assertThat(sent.header("Authorization")).isEqualTo("Bearer sk-upstream");
    assertThat(sent.bodyJson().get("model").asText()).isEqualTo("text-embedding-3-small");
    assertThat(sent.bodyJson().get("encoding_format").asText()).isEqualTo("float");
    Map<String, Object> row = LedgerRows.only(gateway.ledger());
    assertThat(row.get("status")).isEqualTo("completed");
    assertThat(row.get("provider")).isEqualTo("openai");
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(7);
    // $0.02 per million tokens: 7 tokens cost 140,000 pico-dollars.
    assertThat(((Number) row.get("cost_picousd")).longValue()).isEqualTo(140_000);
  }

  @Test
  void aCompatibleProviderServesEmbeddingsWithoutAKey() throws Exception {
    compatible.enqueue(Script.json(200, UPSTREAM_ANSWER));
    HttpResponse<String> r = gateway.postJson("/v1/embeddings", "{\"model\":\"local/nomic-embed\",\"input\":\"hi\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    var sent = compatible.requests().getLast();
    assertThat(sent.header("Authorization")).isNull();
    assertThat(sent.bodyJson().get("model").asText()).isEqualTo("nomic-embed");
    assertThat(LedgerRows.only(gateway.ledger()).get("model")).isEqualTo("local/nomic-embed");
  }

  @Test
  void anUpstreamErrorIsMappedAsChatErrorsAreAndLeavesAFailedRow() throws Exception {
    openAi.enqueue(Script.json(500, "{\"error\":{\"message\":\"boom sk-upstream\",\"type\":\"server_error\"}}"));
    HttpResponse<String> r = gateway.postJson("/v1/embeddings",
        "{\"model\":\"openai/text-embedding-3-small\",\"input\":\"hello\"}");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("\"error\"").doesNotContain("sk-upstream");
    assertThat(LedgerRows.only(gateway.ledger()).get("status")).isEqualTo("failed");
  }

  @Test
  void aBadRequestOrAModelWithoutEmbeddingsIsA400NamingTheFieldAndARejectedRow() throws Exception {
    HttpResponse<String> anthropic = gateway.postJson("/v1/embeddings",
        "{\"model\":\"anthropic/claude-haiku-4-5\",\"input\":\"x\"}");
    assertThat(anthropic.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(anthropic.body()).at("/error/param").asText()).isEqualTo("model");
    assertThat(LedgerRows.only(gateway.ledger()).get("status")).isEqualTo("rejected");

    HttpResponse<String> empty = gateway.postJson("/v1/embeddings", "{\"model\":\"sim/embed\",\"input\":[]}");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(empty.body()).at("/error/param").asText()).isEqualTo("input");
  }
}
