package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.sim.SimConfig;
import dev.sluice.server.config.LedgerJournal;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger under faults, on a real PostgreSQL server, through a running gateway: the database
 * stopped and started again under traffic, rows it would refuse among good ones, its table gone for
 * a while. Whatever happens, every request keeps exactly one row; and a row that cannot be kept
 * anywhere (the database away, the journal full) never lets its stream end cleanly.
 *
 * <p>Clients present the admin key, which the gateway knows without reading its database, so that
 * requests keep being served while the database is away (a virtual key would need it).
 */
class LedgerFaultTest {
  private static final String ADMIN = "admin-ledger-fault-test";
  /** How long a test waits for the gateway to get somewhere before it fails. */
  private static final long DEADLINE_MILLIS = 30_000;
  private static PgCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = PgCluster.start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  /** A gateway on PostgreSQL database {@code url} whose sim streams take about a fifth of a second. */
  private static TestGateway gateway(String url) throws Exception {
    return TestGateway.start(b -> b.sim(new SimConfig(50, Duration.ZERO))
        .accounting(b.build().accounting().withDb(url, PgCluster.USER, null).withAdminKey(ADMIN)));
  }

  @Test
  void aDatabaseStoppedAndStartedAgainUnderTrafficCostsNoRequestItsRow() throws Exception {
    try (TestGateway gateway = gateway(cluster.newDatabase()); Traffic traffic = Traffic.start(gateway, 6)) {
      traffic.awaitAnswered(20);
      cluster.stopServer();
      try {
        await(() -> gateway.get("/readyz").statusCode() == 503);
        // The streams in flight end while the database is away, and new ones start: their rows must wait somewhere.
        traffic.awaitAnswered(traffic.answered() + 6);
      } finally {
        cluster.startServer();
      }
      traffic.awaitAnswered(traffic.answered() + 20);
      List<String> ids = traffic.stop();
      assertThat(traffic.failures()).isEmpty();
      var rows = LedgerRows.await(gateway.ledger(), r -> r.size() >= ids.size(), DEADLINE_MILLIS);
      assertThat(rows).extracting(r -> (String) r.get("request_id")).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(rows).allSatisfy(r -> assertThat(r.get("status")).isEqualTo("completed"));
    }
  }

  @Test
  void whileTheDatabaseIsAwayReadinessAndMetricsSayTheLedgerIsJournaling() throws Exception {
    try (TestGateway gateway = gateway(cluster.newDatabase())) {
      cluster.stopServer();
      try {
        HttpResponse<String> answer = gateway.http.send(Traffic.request(gateway), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        HttpResponse<String> ready = gateway.get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("ledger: journaling: the database cannot take rows; 1 row(s)");
        assertThat(journalBytes(gateway)).isPositive();
      } finally {
        cluster.startServer();
      }
      await(() -> gateway.get("/readyz").statusCode() == 200);
      assertThat(journalBytes(gateway)).isZero();
      assertThat(LedgerRows.all(gateway.ledger())).hasSize(1);
    }
  }

  @Test
  void aStreamWhoseRowCannotBeKeptAnywhereNeverEndsCleanly() throws Exception {
    String url = cluster.newDatabase();
    // A journal too small for any row: with the database away, a row has nowhere to go.
    try (TestGateway gateway = TestGateway.start(b -> b.sim(new SimConfig(50, Duration.ZERO)).accounting(
        b.build().accounting().withDb(url, PgCluster.USER, null).withAdminKey(ADMIN).withJournal(new LedgerJournal(null, 1))))) {
      cluster.stopServer();
      try {
        String body;
        try {
          body = gateway.http.send(Traffic.request(gateway), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException cut) {
          body = "";
        }
        assertThat(body).doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
        assertThat(gateway.get("/readyz").body()).contains("journal full");
      } finally {
        cluster.startServer();
      }
    }
  }

  @Test
  void overlongAndNulModelNamesAmongGoodStreamsCostNoRow() throws Exception {
    try (TestGateway gateway = gateway(cluster.newDatabase()); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var answers = new ArrayList<Future<HttpResponse<String>>>();
      for (int i = 0; i < 50; i++) {
        String model = switch (i % 5) {
          case 0, 1 -> "sim/echo";
          case 2, 3 -> "nobody/" + "x".repeat(293) + i;
          default -> "nobody/nul\\u0000" + i;
        };
        answers.add(pool.submit(() -> gateway.postJson("/v1/chat/completions", chat(model))));
      }
      var ids = new ArrayList<String>();
      for (var answer : answers) {
        HttpResponse<String> r = answer.get();
        // Refused where the dialect decodes the request (at most 256 characters, no control characters).
        assertThat(r.statusCode()).isIn(200, 400);
        ids.add(r.headers().firstValue("x-request-id").orElseThrow());
      }
      // Each request's row is durable before its answer ends: no waiting.
      var rows = LedgerRows.all(gateway.ledger());
      assertThat(rows).extracting(r -> (String) r.get("request_id")).containsExactlyInAnyOrderElementsOf(ids);
      Map<Object, Long> byStatus = rows.stream().collect(Collectors.groupingBy(r -> r.get("status"), Collectors.counting()));
      assertThat(byStatus).containsEntry("completed", 20L).containsEntry("rejected", 30L);
      // The refused names never became a column value; the ledger's own cleaning (LedgerRowTest) is
      // the second line, for whatever else a caller names.
      assertThat(rows).filteredOn(r -> "rejected".equals(r.get("status"))).extracting(r -> r.get("model")).containsOnlyNulls();
    }
  }

  @Test
  void aRowTheDatabaseRefusesForItselfCostsOnlyItselfAndIsSetAside(@TempDir Path dir) throws Exception {
    String url = cluster.newDatabase();
    Path journal = dir.resolve("ledger.journal");
    try (TestGateway gateway = TestGateway.start(b -> b.accounting(b.build().accounting()
        .withDb(url, PgCluster.USER, null).withJournal(new LedgerJournal(journal, 1 << 20))));
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // A rule of the database's own that the gateway does not know: it refuses one model's rows.
      try (var c = DriverManager.getConnection(url, PgCluster.USER, ""); var st = c.createStatement()) {
        st.execute("ALTER TABLE usage_ledger ADD CONSTRAINT no_poison CHECK (model <> 'nobody/poison')");
      }
      var answers = new ArrayList<Future<HttpResponse<String>>>();
      for (int i = 0; i < 30; i++) {
        String model = i % 6 == 0 ? "nobody/poison" : "sim/echo";
        answers.add(pool.submit(() -> gateway.postJson("/v1/chat/completions", chat(model))));
      }
      var good = new ArrayList<String>();
      var poisoned = new ArrayList<String>();
      for (var answer : answers) {
        HttpResponse<String> r = answer.get();
        (r.statusCode() == 200 ? good : poisoned).add(r.headers().firstValue("x-request-id").orElseThrow());
      }
      assertThat(poisoned).hasSize(5);
      assertThat(LedgerRows.all(gateway.ledger())).extracting(r -> (String) r.get("request_id"))
          .containsExactlyInAnyOrderElementsOf(good);
      assertThat(Files.readString(dir.resolve("ledger.journal.refused"))).contains(poisoned);
    }
  }

  @Test
  void aLedgerTableThatFailsEveryWriteForAWhileCostsNoRow() throws Exception {
    String url = cluster.newDatabase();
    try (TestGateway gateway = gateway(url); Traffic traffic = Traffic.start(gateway, 4)) {
      traffic.awaitAnswered(10);
      try (var c = DriverManager.getConnection(url, PgCluster.USER, ""); var st = c.createStatement()) {
        st.execute("ALTER TABLE usage_ledger RENAME TO usage_ledger_away");
        try {
          traffic.awaitAnswered(traffic.answered() + 20);
        } finally {
          st.execute("ALTER TABLE usage_ledger_away RENAME TO usage_ledger");
        }
      }
      traffic.awaitAnswered(traffic.answered() + 10);
      List<String> ids = traffic.stop();
      assertThat(traffic.failures()).isEmpty();
      var rows = LedgerRows.await(gateway.ledger(), r -> r.size() >= ids.size(), DEADLINE_MILLIS);
      assertThat(rows).extracting(r -> (String) r.get("request_id")).containsExactlyInAnyOrderElementsOf(ids);
    }
  }

  private static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something short.\"}]}";
  }

  private static double journalBytes(TestGateway gateway) throws Exception {
    return Scrape.parse(gateway.get("/metrics").body()).samples().stream()
        .filter(s -> s.name().equals("sluice_ledger_journal_bytes")).findFirst().orElseThrow().value();
  }

  private static void await(Check condition) throws Exception {
    long end = System.nanoTime() + DEADLINE_MILLIS * 1_000_000;
    while (!condition.holds()) {
      if (System.nanoTime() > end) throw new AssertionError("not reached within " + DEADLINE_MILLIS + " ms");
      Thread.sleep(20);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Clients that each stream from sim, one request after another, until stopped: the request id of
   * every answer is kept, and every answer that was not a whole stream is a failure.
   */
  private static final class Traffic implements AutoCloseable {
    private final TestGateway gateway;
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    private Traffic(TestGateway gateway) {
      this.gateway = gateway;
    }

    static Traffic start(TestGateway gateway, int clients) {
      var traffic = new Traffic(gateway);
      for (int i = 0; i < clients; i++) traffic.pool.submit(traffic::client);
      return traffic;
    }

    private Void client() throws Exception {
      HttpRequest request = request(gateway);
      while (running.get()) {
        HttpResponse<String> r = gateway.http.send(request, HttpResponse.BodyHandlers.ofString());
        String id = r.headers().firstValue("x-request-id").orElse("?");
        ids.add(id);
        if (r.statusCode() != 200 || !r.body().contains("data: [DONE]")) failures.add(id + " " + r.statusCode() + " " + r.body());
      }
      return null;
    }

    /** A streaming request to sim, with the admin key. */
    static HttpRequest request(TestGateway gateway) {
      return HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
          .header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN)
          .POST(HttpRequest.BodyPublishers.ofString(chat("sim/echo"))).build();
    }

    int answered() {
      return ids.size();
    }

    void awaitAnswered(int count) throws Exception {
      await(() -> ids.size() >= count);
    }

    List<String> failures() {
      return List.copyOf(failures);
    }

    /** Stops the clients once their requests in flight are answered; every answered request's id. */
    List<String> stop() {
      running.set(false);
      pool.close();
      return List.copyOf(ids);
    }

    @Override
    public void close() {
      running.set(false);
      pool.close();
    }
  }
}
