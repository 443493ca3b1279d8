package dev.sluice.server;

import dev.sluice.provider.Provider;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.LedgerJournal;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.telemetry.Tracing;
import dev.sluice.testkit.BoundedStop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real gateway on a free loopback port, with the providers a test chooses. */
final class TestGateway implements AutoCloseable {
  final SluiceServer server;
  /** The folder of this gateway's own SQLite ledger, removed on close. */
  private final Path dataDir;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(SluiceServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  /**
   * The providers the configuration makes live (sim as fast as the client reads, unless the test
   * configures it), with any of them replaced by the {@code extra} provider of the same name.
   */
  static TestGateway start(UnaryOperator<SluiceConfig.Builder> config, Provider... extra) throws Exception {
    return start(config, new Telemetry(Tracing.off()), extra);
  }

  /** {@link #start(UnaryOperator, Provider...)} with this telemetry (a test's in-memory span exporter). */
  static TestGateway start(UnaryOperator<SluiceConfig.Builder> config, Telemetry telemetry, Provider... extra)
      throws Exception {
    Path dataDir = Files.createTempDirectory("sluice-ledger-");
    // A short drain: a test that stops its gateway mid-stream should not wait the default 20 s.
    var builder = SluiceConfig.defaults().toBuilder().port(0).sim(new SimConfig(0, Duration.ZERO))
        .drainTimeout(Duration.ofMillis(500))
        .accounting(Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + dataDir.resolve("sluice.db")));
    SluiceConfig c = config.apply(builder).build();
    if (c.accounting().dbUrl().equals(Accounting.DEFAULT_DB_URL)) {
      // A test that built its configuration from scratch: its ledger still goes to its own folder.
      c = c.toBuilder().accounting(c.accounting().withDbUrl("jdbc:sqlite:" + dataDir.resolve("sluice.db"))).build();
    }
    if (c.accounting().journal().path() == null) {
      // The ledger's journal in the gateway's own folder too, whatever database the test chose.
      c = c.toBuilder().accounting(c.accounting().withJournal(
          new LedgerJournal(dataDir.resolve("ledger.journal"), c.accounting().journal().maxBytes()))).build();
    }
    var providers = new ArrayList<Provider>();
    for (Provider p : Providers.fromConfig(c, Map.of())) {
      if (Arrays.stream(extra).noneMatch(e -> e.name().equals(p.name()))) providers.add(p);
    }
    providers.addAll(List.of(extra));
    try {
      return new TestGateway(SluiceServer.start(c, providers, telemetry), dataDir);
    } catch (Exception e) {
      deleteTree(dataDir);
      throw e;
    }
  }

  static TestGateway start() throws Exception {
    return start(b -> b);
  }

  URI uri(String path) {
    return server.baseUri().resolve(path);
  }

  int port() {
    return server.port();
  }

  HttpResponse<String> postJson(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Closes the client, then the gateway; either one that does not end within {@link BoundedStop#LIMIT}
   * fails the test (the JDK client's close waits for its requests, and Jetty's stop can wait without end).
   */
  @Override
  public void close() throws Exception {
    try {
      BoundedStop.stop("the test gateway's HTTP client", http::close);
    } finally {
      try {
        BoundedStop.stop("the test gateway", server::close);
      } finally {
        deleteTree(dataDir);
      }
    }
  }

  /** The ledger's rows, through the gateway's own pool. */
  javax.sql.DataSource ledger() {
    return server.ledgerDataSource();
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
