package dev.sluice.server;

import dev.sluice.policy.Resilience;
import dev.sluice.provider.Provider;
import dev.sluice.route.ModelRouter;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.guard.Guard;
import dev.sluice.server.guard.InMemoryBudgets;
import dev.sluice.server.guard.InMemoryLimits;
import dev.sluice.server.guard.KeyStore;
import dev.sluice.server.ledger.Accountant;
import dev.sluice.server.ledger.Database;
import dev.sluice.server.ledger.LedgerWriter;
import dev.sluice.usage.PriceTable;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway's HTTP server: Jetty 12 core (no servlets), HTTP/1.1 and cleartext HTTP/2 (h2c, by
 * upgrade or prior knowledge) on one port, every request handled on its own virtual thread with
 * plain blocking code.
 */
public final class SluiceServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final ModelRouter router;
  private final Resilience resilience;
  private final Database db;
  private final LedgerWriter ledger;

  private SluiceServer(Server server, ServerConnector connector, ModelRouter router, Resilience resilience, Database db,
      LedgerWriter ledger) {
    this.server = server;
    this.connector = connector;
    this.router = router;
    this.resilience = resilience;
    this.db = db;
    this.ledger = ledger;
  }

  /** Builds the providers the configuration enables and starts listening. */
  public static SluiceServer start(SluiceConfig config) throws Exception {
    return start(config, Providers.fromConfig(config, System.getenv()));
  }

  /** Starts listening with these providers (tests pass their own). */
  public static SluiceServer start(SluiceConfig config, List<Provider> providers) throws Exception {
    var router = new ModelRouter(providers, config.aliases());
    var threads = new QueuedThreadPool();
    threads.setName("sluice");
    // Blocking handlers run here: one cheap virtual thread per request, so a stream parked on a slow
    // client or a silent upstream holds no platform thread.
    threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sluice-req-", 0).factory()));
    var server = new Server(threads);
    var http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    // No acceptor thread: the selector accepts. A blocking acceptor thread buys nothing here, and
    // Jetty's graceful stop waits on it racily (about 1 stop in 1,000 under load hung for the
    // whole stop timeout when a connection closed as the server stopped).
    var connector = new ServerConnector(server, 0, -1, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    // A write that makes no progress for this long fails: a client that accepts nothing is
    // disconnected and its upstream cancelled. Reads are not affected while a stream waits, since
    // the disconnect watch keeps a read pending and heartbeats keep the connection busy.
    connector.setIdleTimeout(config.writeTimeout().toMillis());
    // A burst of connections (hundreds of clients starting together) queues in the kernel instead of
    // being reset: the JDK's default listen backlog is 50.
    connector.setAcceptQueueSize(1024);
    // Bounded kernel buffers: a client that stops reading leaves at most these bytes in flight on
    // each side of the relay (loopback autotuning otherwise lets several MiB pile up per stream).
    if (config.clientSendBufferBytes() > 0) connector.setAcceptedSendBufferSize(config.clientSendBufferBytes());
    if (config.upstreamReceiveBufferBytes() > 0) {
      // Read by the JDK client for each new connection; there is no per-client setting.
      System.setProperty("jdk.httpclient.receiveBufferSize", Integer.toString(config.upstreamReceiveBufferBytes()));
    }
    server.addConnector(connector);
    dev.sluice.usage.TokenCounter.warmUp();
    Database db = Database.open(config.accounting());
    var resilience = new Resilience(config.retry(), config.circuitBreaker());
    var upstreams = new Upstreams(config, router, resilience);
    var ledger = new LedgerWriter(db.dataSource());
    var prices = PriceTable.withOverrides(config.accounting().prices());
    var accountant = new Accountant(ledger, prices);
    var keys = new KeyStore(db.dataSource());
    var fallbacks = new java.util.HashMap<String, java.util.List<String>>();
    config.modelPolicies().forEach((alias, policy) -> fallbacks.put(alias, policy.fallbacks()));
    var guard = new Guard(keys, config.accounting(), new InMemoryBudgets(keys::spentSince), new InMemoryLimits(), prices,
        config.aliases(), fallbacks);
    server.setHandler(new GatewayHandler(new Gateway(config, router, new StreamRegistry(), upstreams, accountant,
        new dev.sluice.server.ledger.UsageQuery(db.dataSource()), guard)));
    server.setStopTimeout(5_000);
    var started = new SluiceServer(server, connector, router, resilience, db, ledger);
    try {
      server.start();
    } catch (Exception e) {
      started.close();
      throw e;
    }
    return started;
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port/} as a client on this machine reaches it. */
  public URI baseUri() {
    String host = connector.getHost() == null || connector.getHost().equals("0.0.0.0") ? "127.0.0.1" : connector.getHost();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** The ledger's database (tests and tools read the rows here). */
  public javax.sql.DataSource ledgerDataSource() {
    return db.dataSource();
  }

  public ModelRouter router() {
    return router;
  }

  /** The resilience policy and its circuit breakers (operators' and tests' view of their state). */
  public Resilience resilience() {
    return resilience;
  }

  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() throws Exception {
    try {
      server.stop();
    } finally {
      resilience.close();
      // After the server: streams still ending write their rows first.
      ledger.close();
      db.close();
    }
  }
}
