package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.RetryPolicy;
import dev.sluice.server.config.Accounting;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import dev.sluice.usage.Price;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the ledger must hold, whatever database keeps it: one row per request, whatever its end, with
 * the provider's usage or an honest estimate, priced exactly. Each database runs these against a real
 * server ({@link SqliteLedgerTest}, {@link PostgresLedgerTest}).
 */
abstract class LedgerContract {
  static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  /** The fake upstream's answers are priced like gpt-4o-mini. */
  static final Map<String, Price> PRICES = Map.of("openai/" + Script.OPENAI_MODEL,
      new Price(new BigDecimal("0.15"), new BigDecimal("0.60"), new BigDecimal("0.075"), null, null));

  FakeUpstream upstream;
  TestGateway gateway;

  /** A ledger of its own for one test, based on {@code base} (which has the prices). */
  abstract Accounting freshLedger(Accounting base) throws Exception;

  @BeforeEach
  void start() throws Exception {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> {
      try {
        return b.openAi("sk-upstream", upstream.baseUrl()).anthropic("sk-ant-upstream", upstream.baseUrl().resolve("/"))
            .retry(ONE_ATTEMPT)
            .accounting(freshLedger(b.build().accounting().withPrices(PRICES)));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  static String chat(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}";
  }

  @Test
  void twoHundredConcurrentStreamsLeaveTwoHundredRowsSummingToTheUpstreamsUsage() throws Exception {
    long completion = 0;
    for (int i = 0; i < 200; i++) {
      var pieces = new String[i % 7 + 1];
      for (int p = 0; p < pieces.length; p++) pieces[p] = " w" + p;
      completion += pieces.length;
      upstream.enqueue(Script.openAiText(pieces));
    }
    // One connection per stream, read to its end: 200 streams open at once.
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var results = new ArrayList<Future<String>>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit(() -> {
          try (Socket s = RawHttp.post(gateway.port(), "/v1/chat/completions", chat("openai/gpt-4o-mini", true))) {
            String head = RawHttp.readHead(s.getInputStream());
            RawHttp.readUntil(s.getInputStream(), "data: [DONE]");
            return head;
          }
        }));
      }
      for (var r : results) assertThat(r.get()).startsWith("HTTP/1.1 200");
    }
    // Every client saw its end, so every row is already committed: no waiting.
    List<Map<String, Object>> rows = LedgerRows.all(gateway.ledger());
    assertThat(rows).hasSize(200);
    assertThat(rows).allSatisfy(r -> {
      assertThat(r.get("status")).isEqualTo("completed");
      assertThat(r.get("finish_reason")).isEqualTo("stop");
      assertThat(r.get("provider")).isEqualTo("openai");
      assertThat(r.get("model")).isEqualTo("openai/" + Script.OPENAI_MODEL);
      assertThat(LedgerRows.flag(r.get("estimated"))).isFalse();
      assertThat(((Number) r.get("ttft_ms")).longValue()).isNotNegative();
    });
    assertThat(rows.stream().map(r -> r.get("request_id")).distinct()).hasSize(200);
    assertThat(LedgerRows.sum(rows, "prompt_tokens")).isEqualTo(200L * Script.OPENAI_PROMPT_TOKENS);
    assertThat(LedgerRows.sum(rows, "completion_tokens")).isEqualTo(completion);
    // 0.15 and 0.60 USD per million: 150,000 and 600,000 pico-dollars per token, exactly.
    assertThat(LedgerRows.sum(rows, "cost_picousd"))
        .isEqualTo(200L * Script.OPENAI_PROMPT_TOKENS * 150_000 + completion * 600_000);
  }

  @Test
  void recordsAnAbortedEstimatedRowWhenTheClientLeavesMidStream() throws Exception {
    upstream.enqueue(Script.openAiText("Hello", " brave", " new", " world").hangAfterChunks(3));
    try (Socket socket = RawHttp.post(gateway.port(), "/v1/chat/completions", chat("openai/gpt-4o-mini", true))) {
      InputStream in = socket.getInputStream();
      RawHttp.readUntil(in, "brave");
    }
    var rows = LedgerRows.await(gateway.ledger(), r -> r.size() == 1, 5_000);
    Map<String, Object> row = rows.getFirst();
    assertThat(row.get("status")).isEqualTo("aborted");
    assertThat(row.get("error_type")).isEqualTo("cancelled");
    assertThat(LedgerRows.flag(row.get("estimated"))).isTrue();
    // "Hello brave" was delivered: two tokens in o200k_base; the prompt is counted from the request.
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(2);
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isBetween(8L, 20L);
    assertThat(((Number) row.get("cost_picousd")).longValue()).isPositive();
  }

  @Test
  void recordsRejectedAndFailedRequestsToo() throws Exception {
    assertThat(gateway.postJson("/v1/chat/completions", chat("nobody/serves-this", true)).statusCode()).isEqualTo(404);
    assertThat(gateway.postJson("/v1/chat/completions", "{\"model\":").statusCode()).isEqualTo(400);
    upstream.enqueue(Script.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
    assertThat(gateway.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", false)).statusCode()).isEqualTo(502);
    var rows = LedgerRows.all(gateway.ledger());
    assertThat(rows).extracting(r -> r.get("status")).containsExactlyInAnyOrder("rejected", "rejected", "failed");
    assertThat(rows).filteredOn(r -> "rejected".equals(r.get("status")))
        .extracting(r -> r.get("error_type")).containsExactlyInAnyOrder("not_found", "invalid_request");
    assertThat(rows).filteredOn(r -> "rejected".equals(r.get("status")))
        .allSatisfy(r -> assertThat(((Number) r.get("prompt_tokens")).longValue()).isZero());
  }

  @Test
  void theBrowsersDoneEventCarriesTheCostTheLedgerKept() throws Exception {
    upstream.enqueue(Script.openAiText("one", " two", " three"));
    HttpResponse<String> response = gateway.http.send(HttpRequest.newBuilder(
        gateway.uri("/api/chat/stream?prompt=hi&model=openai/gpt-4o-mini")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    // 9 prompt tokens x 0.15 + 3 completion tokens x 0.60 per million = 0.00000315 USD.
    assertThat(response.body()).contains("\"costUsd\":0.00000315");
    var row = LedgerRows.all(gateway.ledger()).getFirst();
    assertThat(((Number) row.get("cost_picousd")).longValue()).isEqualTo(3_150_000L);
  }

  @Test
  void usageGroupsAndTotalsTheLedgerByModelStatusDayAndKey() throws Exception {
    upstream.enqueue(Script.openAiText("a", " b"));
    upstream.enqueue(Script.openAiText("c", " d", " e"));
    assertThat(gateway.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", true)).statusCode()).isEqualTo(200);
    assertThat(gateway.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", false)).statusCode()).isEqualTo(200);
    assertThat(gateway.postJson("/v1/chat/completions", chat("sim/echo", false)).statusCode()).isEqualTo(200);
    assertThat(gateway.postJson("/v1/chat/completions", chat("nobody/serves-this", false)).statusCode()).isEqualTo(404);
    var today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    String range = "from=" + today.minusDays(1) + "&to=" + today.plusDays(1);

    var byModel = dev.sluice.json.Json.MAPPER.readTree(gateway.get("/v1/usage?" + range + "&group_by=model").body());
    assertThat(byModel.get("groupBy").asText()).isEqualTo("model");
    assertThat(byModel.get("from").asText()).isEqualTo(today.minusDays(1).toString());
    var fake = byModel.get("groups").findParents("group").stream()
        .filter(g -> g.get("group").asText().equals("openai/" + Script.OPENAI_MODEL)).findFirst().orElseThrow();
    assertThat(fake.get("requests").asLong()).isEqualTo(2);
    assertThat(fake.get("promptTokens").asLong()).isEqualTo(2L * Script.OPENAI_PROMPT_TOKENS);
    assertThat(fake.get("completionTokens").asLong()).isEqualTo(5);
    // (18 x 0.15 + 5 x 0.60) per million = 0.0000057 USD, as an exact decimal string.
    assertThat(fake.get("costUsd").asText()).isEqualTo("0.0000057");
    assertThat(fake.get("byStatus").get("completed").asLong()).isEqualTo(2);
    var totals = byModel.get("totals");
    assertThat(totals.get("requests").asLong()).isEqualTo(4);
    assertThat(totals.get("costUsd").asText()).isEqualTo("0.0000057");
    assertThat(totals.get("byStatus").get("rejected").asLong()).isEqualTo(1);
    assertThat(totals.get("byStatus").get("completed").asLong()).isEqualTo(3);
    assertThat(totals.get("estimatedRequests").asLong()).isZero();
    assertThat(byModel.get("groups").findValuesAsText("group"))
        .contains("openai/" + Script.OPENAI_MODEL, "sim/echo", "nobody/serves-this");

    var byStatus = dev.sluice.json.Json.MAPPER.readTree(gateway.get("/v1/usage?" + range + "&group_by=status").body());
    assertThat(byStatus.get("groups").findValuesAsText("group")).containsExactly("completed", "rejected");
    var byDay = dev.sluice.json.Json.MAPPER.readTree(gateway.get("/v1/usage?" + range + "&group_by=day").body());
    assertThat(byDay.get("groups").findValuesAsText("group")).containsExactly(today.toString());
    assertThat(byDay.get("groups").get(0).get("requests").asLong()).isEqualTo(4);
    var byKey = dev.sluice.json.Json.MAPPER.readTree(gateway.get("/v1/usage?" + range + "&group_by=key").body());
    assertThat(byKey.get("groups")).hasSize(1);
    assertThat(byKey.get("groups").get(0).get("group").isNull()).isTrue();
    var before = dev.sluice.json.Json.MAPPER.readTree(gateway.get("/v1/usage?from=2020-01-01&to=2020-01-31").body());
    assertThat(before.get("groups")).isEmpty();
    assertThat(before.get("totals").get("costUsd").asText()).isEqualTo("0.000000");
  }

  @Test
  void badUsageParametersAreFourHundredsNamingTheParameter() throws Exception {
    for (String query : new String[] {"from=yesterday", "to=2026-13-01", "group_by=provider",
        "from=2026-11-30&to=2026-11-01"}) {
      var response = gateway.get("/v1/usage?" + query);
      assertThat(response.statusCode()).as(query).isEqualTo(400);
      var error = dev.sluice.json.Json.MAPPER.readTree(response.body()).get("error");
      assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.get("param").asText()).isEqualTo(query.substring(0, query.indexOf('=')));
    }
  }

  @Test
  void keepsCachedAndReasoningTokensFromBothProvidersAndPricesThem() throws Exception {
    String head = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
    upstream.enqueue(Script.sse(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        head + "\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":50,\"total_tokens\":150,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":40},\"completion_tokens_details\":{\"reasoning_tokens\":30}}}"));
    assertThat(gateway.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", true)).statusCode()).isEqualTo(200);
    // Anthropic: message_start says input 40, cache write 10, cache read 50; message_delta says output 120.
    upstream.enqueue(Script.fromFixture("fixtures/anthropic/thinking.sse"));
    assertThat(gateway.postJson("/v1/chat/completions", chat("anthropic/claude-opus-4-1", true)).statusCode())
        .isEqualTo(200);
    var rows = LedgerRows.all(gateway.ledger());
    var openai = rows.stream().filter(r -> "openai".equals(r.get("provider"))).findFirst().orElseThrow();
    assertThat(openai).containsEntry("model", "openai/gpt-4o-mini");
    assertThat(((Number) openai.get("prompt_tokens")).longValue()).isEqualTo(100);
    assertThat(((Number) openai.get("cached_tokens")).longValue()).isEqualTo(40);
    assertThat(((Number) openai.get("reasoning_tokens")).longValue()).isEqualTo(30);
    // gpt-4o-mini from the bundled table: 60 x 0.15 + 40 x 0.075 + 50 x 0.60 = 42 micro-dollars.
    assertThat(((Number) openai.get("cost_picousd")).longValue()).isEqualTo(42_000_000L);
    var claude = rows.stream().filter(r -> "anthropic".equals(r.get("provider"))).findFirst().orElseThrow();
    assertThat(((Number) claude.get("prompt_tokens")).longValue()).isEqualTo(100);
    assertThat(((Number) claude.get("cached_tokens")).longValue()).isEqualTo(50);
    assertThat(((Number) claude.get("cache_write_tokens")).longValue()).isEqualTo(10);
    assertThat(((Number) claude.get("completion_tokens")).longValue()).isEqualTo(120);
    assertThat(claude.get("finish_reason")).isEqualTo("length");
    // claude-opus-4-1: 40 x 15 + 50 x 1.50 + 10 x 18.75 + 120 x 75 = 9,862.5 micro-dollars.
    assertThat(((Number) claude.get("cost_picousd")).longValue()).isEqualTo(9_862_500_000L);
    assertThat(rows).allSatisfy(r -> assertThat(LedgerRows.flag(r.get("estimated"))).isFalse());
  }

  @Test
  void estimatesACompletedStreamWhoseProviderReportedNoUsage() throws Exception {
    String head = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
    upstream.enqueue(Script.sse(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello world\"},\"finish_reason\":null}]}",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    assertThat(gateway.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", true)).statusCode()).isEqualTo(200);
    var row = LedgerRows.all(gateway.ledger()).getFirst();
    assertThat(row.get("status")).isEqualTo("completed");
    assertThat(LedgerRows.flag(row.get("estimated"))).isTrue();
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(2);
    // "Tell me something short." is 5 tokens in o200k_base, plus 3 per message and 3 for the reply.
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(11);
  }
}
