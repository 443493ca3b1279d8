package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.server.cli.KeysCommand;
import dev.sluice.server.config.Accounting;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Virtual keys end to end: the admin API and CLI, auth in each dialect, allowlists, limits and budgets. */
class VirtualKeysTest {
  static final String ADMIN = "admin-secret-for-tests-7d1e";
  Path dir;
  FakeUpstream upstream;
  TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("sluice-keys-");
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-upstream", upstream.baseUrl()).retry(LedgerContract.ONE_ATTEMPT)
        .accounting(accounting().withPrices(LedgerContract.PRICES)));
  }

  Accounting accounting() {
    return Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + dir.resolve("sluice.db")).withAdminKey(ADMIN);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
    TestGateway.deleteTree(dir);
  }

  HttpResponse<String> send(String method, String path, String key, String json) throws Exception {
    var b = HttpRequest.newBuilder(gateway.uri(path)).header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (key != null) b.header("Authorization", "Bearer " + key);
    return gateway.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode createKey(String json) throws Exception {
    HttpResponse<String> r = send("POST", "/admin/keys", ADMIN, json);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.MAPPER.readTree(r.body());
  }

  static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}";
  }

  @Test
  void theGatewayRunsOpenUntilAKeyExistsThenEveryCallNeedsOne() throws Exception {
    assertThat(send("POST", "/v1/chat/completions", null, chat("sim/echo")).statusCode()).isEqualTo(200);
    JsonNode key = createKey("{\"name\":\"team-a\"}");
    String secret = key.get("key").asText();
    assertThat(secret).startsWith("sk-sluice-").hasSizeGreaterThan(40);

    HttpResponse<String> none = send("POST", "/v1/chat/completions", null, chat("sim/echo"));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(Json.MAPPER.readTree(none.body()).at("/error/type").asText()).isEqualTo("authentication_error");
    HttpResponse<String> wrong = send("POST", "/v1/chat/completions", "sk-sluice-not-a-key", chat("sim/echo"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain("sk-sluice-not-a-key");
    // The Anthropic dialect answers in its own shape, with the key in x-api-key as its SDKs send it.
    HttpResponse<String> anthropic = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
        .header("Content-Type", "application/json").header("x-api-key", "wrong")
        .POST(HttpRequest.BodyPublishers.ofString(chat("sim/echo"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anthropic.statusCode()).isEqualTo(401);
    assertThat(Json.MAPPER.readTree(anthropic.body()).get("type").asText()).isEqualTo("error");
    assertThat(Json.MAPPER.readTree(anthropic.body()).at("/error/type").asText()).isEqualTo("authentication_error");
    assertThat(gateway.get("/api/chat/stream?prompt=hi&model=sim/echo").statusCode()).isEqualTo(401);

    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
    HttpResponse<String> viaXApiKey = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
        .header("Content-Type", "application/json").header("x-api-key", secret)
        .POST(HttpRequest.BodyPublishers.ofString(chat("sim/echo"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(viaXApiKey.statusCode()).isEqualTo(200);

    var rows = LedgerRows.all(gateway.ledger());
    assertThat(rows).filteredOn(r -> "completed".equals(r.get("status")) && key.get("id").asText().equals(r.get("key_id")))
        .hasSize(2);
    assertThat(rows).filteredOn(r -> "rejected".equals(r.get("status")))
        .extracting(r -> r.get("error_type")).containsOnly("authentication");
  }

  @Test
  void aRevokedKeyIsRefusedAndSecretsAreNeverStoredOrListed() throws Exception {
    JsonNode key = createKey("{\"name\":\"temp\",\"budget_usd\":\"2.50\",\"budget_period\":\"day\",\"rpm\":100,"
        + "\"models\":[\"sim/echo\"]}");
    String secret = key.get("key").asText();
    HttpResponse<String> list = send("GET", "/admin/keys", ADMIN, null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).doesNotContain(secret).contains("\"budgetUsd\":\"2.500000\"", "\"budgetPeriod\":\"day\"");
    try (var c = gateway.ledger().getConnection(); var st = c.createStatement();
        var rs = st.executeQuery("SELECT * FROM virtual_keys")) {
      assertThat(rs.next()).isTrue();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        assertThat(String.valueOf(rs.getObject(i))).doesNotContain(secret.substring("sk-sluice-".length()));
      }
    }
    assertThat(send("DELETE", "/admin/keys/" + key.get("id").asText(), ADMIN, null).statusCode()).isEqualTo(200);
    HttpResponse<String> revoked = send("POST", "/v1/chat/completions", secret, chat("sim/echo"));
    assertThat(revoked.statusCode()).isEqualTo(401);
    assertThat(revoked.body()).contains("revoked");
    assertThat(send("DELETE", "/admin/keys/" + key.get("id").asText(), ADMIN, null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/admin/keys", null, null).statusCode()).isEqualTo(401);
    assertThat(send("GET", "/admin/keys", secret, null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/admin/keys", ADMIN, "{\"name\":\"\"}").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/admin/keys", ADMIN, "{\"name\":\"x\",\"rpm\":0}").statusCode()).isEqualTo(400);
  }

  @Test
  void aKeyMayCallOnlyItsModels() throws Exception {
    String secret = createKey("{\"name\":\"echo-only\",\"models\":[\"sim/echo\"]}").get("key").asText();
    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
    HttpResponse<String> other = send("POST", "/v1/chat/completions", secret, chat("sim/chat"));
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(Json.MAPPER.readTree(other.body()).at("/error/type").asText()).isEqualTo("permission_error");
  }

  @Test
  void aVirtualKeySeesOnlyItsOwnUsageAndTheAdminSeesAll() throws Exception {
    String a = createKey("{\"name\":\"a\"}").get("key").asText();
    String b = createKey("{\"name\":\"b\"}").get("key").asText();
    for (int i = 0; i < 3; i++) send("POST", "/v1/chat/completions", a, chat("sim/echo"));
    send("POST", "/v1/chat/completions", b, chat("sim/echo"));
    assertThat(Json.MAPPER.readTree(send("GET", "/v1/usage", a, null).body()).at("/totals/requests").asLong()).isEqualTo(3);
    assertThat(Json.MAPPER.readTree(send("GET", "/v1/usage", b, null).body()).at("/totals/requests").asLong()).isEqualTo(1);
    JsonNode all = Json.MAPPER.readTree(send("GET", "/v1/usage?group_by=key", ADMIN, null).body());
    assertThat(all.at("/totals/requests").asLong()).isEqualTo(4);
    assertThat(all.get("groups")).hasSize(2);
    assertThat(send("GET", "/v1/usage", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void fiftyConcurrentRequestsSpendNoMoreThanASmallBudget() throws Exception {
    // Each request: 9 prompt + 3 completion tokens at 0.15 / 0.60 per million = 3,150,000 pico-dollars.
    // Its reservation (prompt estimate + max_tokens 10) is larger, so admitted requests never overspend.
    upstream.setDefault(Script.openAiText("a", " b", " c").chunkDelay(java.time.Duration.ofMillis(20)));
    String budget = "0.00003";
    String secret = createKey("{\"name\":\"small\",\"budget_usd\":\"" + budget + "\"}").get("key").asText();
    var statuses = new ArrayList<HttpResponse<String>>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new ArrayList<Future<HttpResponse<String>>>();
      for (int i = 0; i < 50; i++) futures.add(pool.submit(() -> send("POST", "/v1/chat/completions", secret,
          "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,\"max_tokens\":10,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}")));
      for (var f : futures) statuses.add(f.get());
    }
    long ok = statuses.stream().filter(r -> r.statusCode() == 200).count();
    List<HttpResponse<String>> refused = statuses.stream().filter(r -> r.statusCode() == 429).toList();
    assertThat(ok + refused.size()).isEqualTo(50);
    assertThat(refused).isNotEmpty();
    // Refused before any upstream call: the upstream saw exactly the admitted requests.
    assertThat(upstream.requests()).hasSize((int) ok);
    assertThat(refused.getFirst().headers().firstValue("Retry-After")).isPresent();
    assertThat(Json.MAPPER.readTree(refused.getFirst().body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
    long spent = LedgerRows.sum(LedgerRows.all(gateway.ledger()).stream()
        .filter(r -> "completed".equals(r.get("status"))).toList(), "cost_picousd");
    assertThat(spent).isEqualTo(ok * 3_150_000L);
    assertThat(spent).isLessThanOrEqualTo(dev.sluice.usage.Cost.picos(new java.math.BigDecimal(budget)));
    // The budget is used, not left idle: a reservation is at most (16 + 10) tokens' worth = 8,400,000 picos.
    assertThat(ok).isGreaterThanOrEqualTo(30_000_000L / 8_400_000L);
  }

  @Test
  void aKeyOverItsRequestsPerMinuteIsToldWhenToRetry() throws Exception {
    String secret = createKey("{\"name\":\"slow\",\"rpm\":2}").get("key").asText();
    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
    HttpResponse<String> third = send("POST", "/v1/chat/completions", secret, chat("sim/echo"));
    assertThat(third.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 30L);
  }

  @Test
  void aKeyMadeWithTheCommandLineWorksOnTheRunningGateway() throws Exception {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int status = KeysCommand.run(List.of("create", "--name", "cli", "--budget-usd", "1", "--rpm", "60", "--models",
        "sim/echo,sim/chat"), accounting(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String secret = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("Secret"))
        .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElseThrow();
    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
    assertThat(KeysCommand.run(List.of("create", "--budget-usd", "1"), accounting(), new PrintStream(out),
        new PrintStream(err))).isEqualTo(2);
  }

  @Test
  void requireAuthRefusesCallsEvenBeforeAnyKeyExists() throws Exception {
    try (TestGateway strict = TestGateway.start(b -> b.accounting(b.build().accounting().withRequireAuth(true)))) {
      HttpResponse<String> r = strict.postJson("/v1/chat/completions", chat("sim/echo"));
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    }
  }

  @Test
  void aKeyOverItsTokensPerMinuteIsRefusedUntilTheyComeBack() throws Exception {
    String secret = createKey("{\"name\":\"frugal\",\"tpm\":40}").get("key").asText();
    HttpResponse<String> refused = null;
    int admitted = 0;
    while (refused == null && admitted < 10) {
      HttpResponse<String> r = send("POST", "/v1/chat/completions", secret, chat("sim/echo"));
      if (r.statusCode() == 429) refused = r;
      else admitted++;
    }
    assertThat(refused).as("a 429 within 10 requests of a 40-token-per-minute key").isNotNull();
    assertThat(admitted).isPositive();
    assertThat(refused.body()).contains("tokens per minute");
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
  }

  @Test
  void aRestartedGatewayRemembersWhatAKeySpentFromTheLedger() throws Exception {
    // A request costs 3,150,000 pico-dollars and reserves 7,800,000 (12 prompt tokens estimated + 10): the
    // first fits in 0.00001 USD, a second's reservation does not fit beside what the first spent.
    String secret = createKey("{\"name\":\"thrifty\",\"budget_usd\":\"0.00001\",\"budget_period\":\"total\"}")
        .get("key").asText();
    String body = "{\"model\":\"openai/gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}";
    assertThat(send("POST", "/v1/chat/completions", secret, body).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/v1/chat/completions", secret, body).statusCode()).isEqualTo(429);
    gateway.close();
    gateway = TestGateway.start(b -> b.openAi("sk-upstream", upstream.baseUrl()).retry(LedgerContract.ONE_ATTEMPT)
        .accounting(accounting().withPrices(LedgerContract.PRICES)));
    HttpResponse<String> again = send("POST", "/v1/chat/completions", secret, body);
    assertThat(again.statusCode()).isEqualTo(429);
    // A total budget never renews: no Retry-After to promise.
    assertThat(again.headers().firstValue("Retry-After")).isEmpty();
    assertThat(upstream.requests()).hasSize(1);
  }

  @Test
  void aKeyWithABudgetIsRefusedOnAModelWithNoPriceBeforeAnyUpstreamCall() throws Exception {
    String secret = createKey("{\"name\":\"tiny\",\"budget_usd\":\"0.000001\"}").get("key").asText();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = send("POST", "/v1/chat/completions", secret, chat("openai/o1-pro"));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(Json.MAPPER.readTree(r.body()).at("/error/code").asText()).isEqualTo("model_not_priced");
    }
    assertThat(upstream.requests()).isEmpty();
    // The same key on a priced model is served while its budget lasts.
    assertThat(send("POST", "/v1/chat/completions", secret, chat("sim/echo")).statusCode()).isEqualTo(200);
  }
}
