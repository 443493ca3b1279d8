package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.RedisSettings;
import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.guard.BudgetPeriod;
import dev.sluice.server.guard.Refusal;
import dev.sluice.server.guard.SharedBudgets;
import dev.sluice.server.guard.SharedLimits;
import dev.sluice.server.guard.VirtualKey;
import dev.sluice.server.shared.SharedState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits and budgets of virtual keys across instances: two gateways (or two sets of counters)
 * on one real Redis and, end to end, one real PostgreSQL ledger holding the keys and the usage.
 */
class SharedLimitsTest {
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  static final String ADMIN = "admin-secret-for-shared-tests-91c4";
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (redis != null) redis.close();
  }

  private static TestGateway gateway(RedisServer server, RedisSettings.OnFailure onFailure, Accounting accounting)
      throws Exception {
    return TestGateway.start(b -> b.redis(new RedisSettings(server.uri(), onFailure)).accounting(accounting));
  }

  static HttpResponse<String> send(TestGateway g, String method, String path, String key, String json) throws Exception {
    var b = HttpRequest.newBuilder(g.uri(path)).header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (key != null) b.header("Authorization", "Bearer " + key);
    return g.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> messages(TestGateway g, String key) throws Exception {
    return g.http.send(HttpRequest.newBuilder(g.uri("/v1/messages")).header("Content-Type", "application/json")
        .header("x-api-key", key).POST(HttpRequest.BodyPublishers.ofString(VirtualKeysTest.chat("sim/echo"))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String createKey(TestGateway g, String json) throws Exception {
    HttpResponse<String> r = send(g, "POST", "/admin/keys", ADMIN, json);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.MAPPER.readTree(r.body()).get("key").asText();
  }

  @Test
  void aKeysRequestsPerMinuteHoldAcrossTwoInstancesSharingOneLedger() throws Exception {
    try (PgCluster pg = PgCluster.start()) {
      Accounting shared = Accounting.DEFAULT.withDb(pg.newDatabase(), PgCluster.USER, null).withAdminKey(ADMIN);
      try (TestGateway a = gateway(redis, RedisSettings.OnFailure.CLOSED, shared);
          TestGateway b = gateway(redis, RedisSettings.OnFailure.CLOSED, shared)) {
        // Made on A, known on B: the key store is the shared database.
        String secret = createKey(a, "{\"name\":\"ten-a-minute\",\"rpm\":10}");
        var statuses = new ArrayList<Integer>();
        for (int i = 0; i < 10; i++) {
          HttpResponse<String> r = send(i % 2 == 0 ? a : b, "POST", "/v1/chat/completions", secret, VirtualKeysTest.chat("sim/echo"));
          statuses.add(r.statusCode());
        }
        assertThat(statuses).containsOnly(200);

        HttpResponse<String> eleventh = send(b, "POST", "/v1/chat/completions", secret, VirtualKeysTest.chat("sim/echo"));
        assertThat(eleventh.statusCode()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(eleventh.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(eleventh.body()).contains("10 requests per minute");
        long retryAfter = Long.parseLong(eleventh.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
        // Refused on A too, and in the caller's dialect there.
        HttpResponse<String> onA = messages(a, secret);
        assertThat(onA.statusCode()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(onA.body()).get("type").asText()).isEqualTo("error");
        assertThat(Json.MAPPER.readTree(onA.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");

        // Either instance reports the completed rows both wrote (rows are written in the background).
        for (TestGateway g : List.of(a, b)) {
          assertThat(awaitCompleted(g, secret, 10)).isEqualTo(10);
        }
      }
    }
  }

  private static final String PRICED = "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,\"max_tokens\":10,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}";

  @Test
  void twoInstancesTogetherSpendNoMoreThanOneBudgetAndACounterLostFromRedisStartsFromTheLedger() throws Exception {
    try (PgCluster pg = PgCluster.start(); var upstream = dev.sluice.testkit.FakeUpstream.start()) {
      // Each request: 9 prompt + 3 completion tokens = 3,150,000 pico-dollars; it reserves more (prompt estimate + 10).
      upstream.setDefault(dev.sluice.testkit.Script.openAiText("a", " b", " c").chunkDelay(Duration.ofMillis(20)));
      Accounting shared = Accounting.DEFAULT.withDb(pg.newDatabase(), PgCluster.USER, null).withAdminKey(ADMIN)
          .withPrices(LedgerContract.PRICES);
      java.util.function.UnaryOperator<dev.sluice.server.config.SluiceConfig.Builder> config = b -> b
          .openAi("sk-upstream", upstream.baseUrl()).retry(LedgerContract.ONE_ATTEMPT)
          .redis(new RedisSettings(redis.uri(), RedisSettings.OnFailure.CLOSED)).accounting(shared);
      try (TestGateway a = TestGateway.start(config); TestGateway b = TestGateway.start(config)) {
        String budget = "0.00003";
        String secret = createKey(a, "{\"name\":\"small\",\"budget_usd\":\"" + budget + "\"}");
        // One after the other, alternating: each instance on its own would let the key spend its whole budget.
        var statuses = new ArrayList<Integer>();
        for (int i = 0; i < 20; i++) statuses.add(send(i % 2 == 0 ? a : b, "POST", "/v1/chat/completions", secret, PRICED).statusCode());
        long ok = statuses.stream().filter(st -> st == 200).count();
        assertThat(statuses).containsOnly(200, 429).contains(429);
        assertThat(upstream.requests()).hasSize((int) ok);
        // One budget for both (alone, each instance would spend it: 47,250,000 in all); the budget is used, not left idle.
        assertThat(ok * 3_150_000L).isLessThanOrEqualTo(dev.sluice.usage.Cost.picos(new java.math.BigDecimal(budget)));
        assertThat(ok).isGreaterThanOrEqualTo(3);
        assertThat(awaitCompleted(b, secret, ok)).isEqualTo(ok);
      }

      // Redis loses the counter (a flush, a failover): the next request seeds it with what the ledger says was spent.
      String other;
      try (TestGateway a = TestGateway.start(config)) {
        other = createKey(a, "{\"name\":\"tiny\",\"budget_usd\":\"0.00001\"}");
        assertThat(send(a, "POST", "/v1/chat/completions", other, PRICED).statusCode()).isEqualTo(200);
        assertThat(awaitCompleted(a, other, 1)).isEqualTo(1);
      }
      redis.flushAll();
      try (TestGateway b = TestGateway.start(config)) {
        // 3,150,000 spent + 8,400,000 reserved > 10,000,000: refused, though this counter is new.
        HttpResponse<String> refused = send(b, "POST", "/v1/chat/completions", other, PRICED);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("Budget exceeded");
      }
    }
  }

  /** The key's completed requests as {@code GET /v1/usage} reports them, once it reports {@code expected} (or 5 s pass). */
  private static long awaitCompleted(TestGateway g, String key, long expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      HttpResponse<String> r = send(g, "GET", "/v1/usage", key, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode totals = Json.MAPPER.readTree(r.body()).get("totals");
      long completed = totals.findPath("completed").asLong();
      if (completed >= expected || System.nanoTime() > deadline) return completed;
      Thread.sleep(20);
    }
  }

  private static VirtualKey key(Integer rpm, Long tpm, Long budgetPicos, BudgetPeriod period) {
    return new VirtualKey("key_" + System.nanoTime(), "k", "sk-sluice-...test", budgetPicos, period, rpm, tpm, List.of(),
        0, null);
  }

  private static SharedState state(RedisServer server, RedisSettings.OnFailure onFailure) {
    return SharedState.start(new RedisSettings(server.uri(), onFailure), ResumeSettings.DEFAULT);
  }

  @Test
  void tokensPerMinuteAreSharedAndSettledToWhatRequestsReallyUsed() {
    try (SharedState onA = state(redis, RedisSettings.OnFailure.CLOSED);
        SharedState onB = state(redis, RedisSettings.OnFailure.CLOSED)) {
      var a = new SharedLimits(onA.counters());
      var b = new SharedLimits(onB.counters());
      VirtualKey key = key(3, 100L, null, null);
      assertThat(a.acquire(key, 60)).isNull();
      Refusal tooMany = b.acquire(key, 50);
      assertThat(tooMany).isNotNull();
      assertThat(tooMany.message()).contains("100 tokens per minute");
      assertThat(tooMany.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
      // The request estimated 60 tokens and used 20: 40 come back, and B's 50 now fit.
      a.settle(key, 60, 20);
      assertThat(b.acquire(key, 50)).isNull();
      // The refused request gave back its request: 2 were admitted, so 1 more is, then none.
      assertThat(a.acquire(key, 0)).isNull();
      Refusal fourth = b.acquire(key, 0);
      assertThat(fourth).isNotNull();
      assertThat(fourth.message()).contains("3 requests per minute");
    }
  }

  @Test
  void twoInstancesReservingAtOnceNeverOvershootABudgetSeededFromTheLedger() throws Exception {
    try (SharedState onA = state(redis, RedisSettings.OnFailure.CLOSED);
        SharedState onB = state(redis, RedisSettings.OnFailure.CLOSED)) {
      var seeds = new AtomicInteger();
      // The ledger says the key spent 30 this period already.
      var a = new SharedBudgets(onA.counters(), (id, from) -> { seeds.incrementAndGet(); return 30; });
      var b = new SharedBudgets(onB.counters(), (id, from) -> { seeds.incrementAndGet(); return 30; });
      VirtualKey key = key(null, null, 100L, BudgetPeriod.DAY);
      var admitted = new AtomicInteger();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        var futures = new ArrayList<Future<Refusal>>();
        for (int i = 0; i < 40; i++) {
          SharedBudgets on = i % 2 == 0 ? a : b;
          futures.add(pool.submit(() -> on.reserve(key, 10, TODAY)));
        }
        for (var f : futures) if (f.get() == null) admitted.incrementAndGet();
      }
      assertThat(admitted.get()).isEqualTo(7);
      Refusal refused = a.reserve(key, 10, TODAY);
      assertThat(refused.message()).contains("Budget exceeded", "per day");
      assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofDays(1));
      // The ledger is asked only while the counter is absent (by every request that found it so; one seed is used).
      int asked = seeds.get();
      assertThat(asked).isBetween(1, 40);
      // Requests that cost less than they reserved give the difference back, on any instance.
      b.settle(key, TODAY, 10, 4);
      b.settle(key, TODAY, 10, 4);
      assertThat(a.reserve(key, 12, TODAY)).isNull();
      assertThat(a.reserve(key, 1, TODAY)).isNotNull();
      assertThat(seeds.get()).isEqualTo(asked);
    }
  }

  @Test
  void memoryCountersSeedOnceAndCorrectOnlyAnOpenWindow() throws Exception {
    var counters = new dev.sluice.server.shared.MemoryCounters();
    var seeds = new AtomicInteger();
    java.util.function.LongSupplier seed = () -> { seeds.incrementAndGet(); return 30; };
    java.time.Instant end = java.time.Instant.now().plusSeconds(60);
    assertThat(counters.hitUntil("b", 60, 100, end, seed).count()).isEqualTo(90);
    assertThat(counters.hitUntil("b", 20, 100, end, seed).allowed()).isFalse();
    counters.adjust("b", -50);
    assertThat(counters.hitUntil("b", 20, 100, end, seed).count()).isEqualTo(60);
    assertThat(seeds.get()).isEqualTo(1);
    // A correction never opens a window: it would be credit in the next one.
    counters.adjust("none", -5);
    assertThat(counters.hit("none", 1, 10, Duration.ofMinutes(1)).count()).isEqualTo(1);
    // A window that has ended is seeded again.
    assertThat(counters.hitUntil("short", 1, 100, java.time.Instant.now().plusMillis(30), seed).count()).isEqualTo(31);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (counters.hitUntil("short", 0, 100, java.time.Instant.now().plusSeconds(60), seed).count() != 30) {
      assertThat(System.nanoTime()).as("window ends").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void isNotReadyWhileRedisIsDownAndRefusesOrAdmitsLimitedKeysAsConfigured() throws Exception {
    RedisServer own = RedisServer.start();
    try (TestGateway closed = gateway(own, RedisSettings.OnFailure.CLOSED,
            Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + java.nio.file.Files.createTempDirectory("sluice-shared-").resolve("a.db")).withAdminKey(ADMIN));
        TestGateway open = gateway(own, RedisSettings.OnFailure.OPEN,
            Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + java.nio.file.Files.createTempDirectory("sluice-shared-").resolve("b.db")).withAdminKey(ADMIN))) {
      String onClosed = createKey(closed, "{\"name\":\"limited\",\"rpm\":100,\"budget_usd\":\"5\"}");
      String onOpen = createKey(open, "{\"name\":\"limited\",\"rpm\":100}");
      String budgetOnOpen = createKey(open, "{\"name\":\"budgeted\",\"rpm\":100,\"budget_usd\":\"5\"}");
      String budgetOnly = createKey(closed, "{\"name\":\"budgeted\",\"budget_usd\":\"5\"}");
      String unlimited = createKey(closed, "{\"name\":\"unlimited\"}");
      assertThat(closed.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(send(closed, "POST", "/v1/chat/completions", onClosed, VirtualKeysTest.chat("sim/echo")).statusCode()).isEqualTo(200);
      own.close();

      HttpResponse<String> notReady = closed.get("/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("redis");
      assertThat(closed.get("/healthz").statusCode()).isEqualTo(200);

      HttpResponse<String> refused = send(closed, "POST", "/v1/chat/completions", onClosed, VirtualKeysTest.chat("sim/echo"));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).contains("1");
      assertThat(Json.MAPPER.readTree(refused.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
      assertThat(refused.body()).contains("cannot be checked right now").doesNotContain(onClosed);
      HttpResponse<String> refusedAnthropic = messages(closed, onClosed);
      assertThat(refusedAnthropic.statusCode()).isEqualTo(429);
      assertThat(Json.MAPPER.readTree(refusedAnthropic.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
      HttpResponse<String> noBudgetCheck = send(closed, "POST", "/v1/chat/completions", budgetOnly, VirtualKeysTest.chat("sim/echo"));
      assertThat(noBudgetCheck.statusCode()).isEqualTo(429);
      assertThat(noBudgetCheck.headers().firstValue("Retry-After")).contains("1");
      assertThat(noBudgetCheck.body()).contains("Budgets cannot be checked right now");
      // A key with neither limits nor a budget needs no counter: it is served.
      assertThat(send(closed, "POST", "/v1/chat/completions", unlimited, VirtualKeysTest.chat("sim/echo")).statusCode()).isEqualTo(200);
      // on_failure: open lets rate limits go unchecked, never budgets: a budget that cannot be counted refuses.
      assertThat(send(open, "POST", "/v1/chat/completions", onOpen, VirtualKeysTest.chat("sim/echo")).statusCode()).isEqualTo(200);
      HttpResponse<String> budgetStillClosed = send(open, "POST", "/v1/chat/completions", budgetOnOpen, VirtualKeysTest.chat("sim/echo"));
      assertThat(budgetStillClosed.statusCode()).isEqualTo(429);
      assertThat(budgetStillClosed.body()).contains("Budgets cannot be checked right now");
    } finally {
      own.close();
    }
  }
}
