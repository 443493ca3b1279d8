package dev.sluice.server;

import dev.sluice.policy.Resilience;
import dev.sluice.provider.Provider;
import dev.sluice.route.ModelRouter;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.guard.Guard;
import dev.sluice.server.guard.InMemoryBudgets;
import dev.sluice.server.guard.InMemoryLimits;
import dev.sluice.server.guard.KeyStore;
import dev.sluice.server.guard.SharedBudgets;
import dev.sluice.server.guard.SharedLimits;
import dev.sluice.server.guard.StreamCaps;
import dev.sluice.server.http.ExchangeHandler;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.http.SiteCheck;
import dev.sluice.server.ledger.Accountant;
import dev.sluice.server.ledger.Database;
import dev.sluice.server.ledger.LedgerWriter;
import dev.sluice.server.ledger.UsageQuery;
import dev.sluice.server.lifecycle.JettyStop;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.server.lifecycle.ReadinessCheck;
import dev.sluice.server.relay.RelayTimer;
import dev.sluice.server.resume.ReplayMemory;
import dev.sluice.server.resume.StreamRegistry;
import dev.sluice.server.shared.SharedState;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.upstream.Upstreams;
import dev.sluice.usage.PriceTable;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: Jetty 12 core (no servlets), HTTP/1.1 and cleartext HTTP/2 (h2c, by
 * upgrade or prior knowledge) on one port, every request handled on its own virtual thread with
 * plain blocking code.
 */
public final class SluiceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);
  /** How long Jetty may take to stop, once every request has ended or been cut, before the gateway stops without it. */
  private static final Duration JETTY_STOP_LIMIT = Duration.ofSeconds(10);
  /** After the drain, how long streams ended with an error get to write it before Jetty stops. */
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(5);
  /** How long a pool thread above the minimum may stay idle before it ends. */
  private static final int IDLE_THREAD_MILLIS = 5_000;
  /** Idle buffers the pool keeps, of heap and of direct memory each. */
  private static final long IDLE_BUFFER_BYTES = 4L << 20;

  private final Server server;
  private final ServerConnector connector;
  /** The cap on open connections, or null when there is none. */
  private final ConnectionCap connections;
  private final ModelRouter router;
  private final Resilience resilience;
  private final StreamRegistry streams;
  private final Guard guard;
  private final SharedState shared;
  private final Telemetry telemetry;
  private final Lifecycle lifecycle;
  private final Duration drainTimeout;
  private final Database db;
  private final LedgerWriter ledger;
  /** The deadlines, heartbeats and drain caps of every stream, on one thread. */
  private final RelayTimer relayTimer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SluiceServer(Server server, ServerConnector connector, ConnectionCap connections, ModelRouter router,
      Resilience resilience, StreamRegistry streams, Guard guard, SharedState shared, Telemetry telemetry,
      Lifecycle lifecycle, Duration drainTimeout, Database db, LedgerWriter ledger, RelayTimer relayTimer) {
    this.server = server;
    this.connector = connector;
    this.connections = connections;
    this.router = router;
    this.resilience = resilience;
    this.streams = streams;
    this.guard = guard;
    this.shared = shared;
    this.telemetry = telemetry;
    this.lifecycle = lifecycle;
    this.drainTimeout = drainTimeout;
    this.db = db;
    this.ledger = ledger;
    this.relayTimer = relayTimer;
  }

  /** The state shared with other instances (Redis) or kept here: counters for rate limits, stream logs. */
  public SharedState shared() {
    return shared;
  }

  /** Builds the providers the configuration enables and starts listening. */
  public static SluiceServer start(SluiceConfig config) throws Exception {
    return start(config, Providers.fromConfig(config, System.getenv()));
  }

  /** Starts listening with these providers (tests pass their own). */
  public static SluiceServer start(SluiceConfig config, List<Provider> providers) throws Exception {
    return start(config, providers, Telemetry.fromEnv(System.getenv()));
  }

  /** Starts listening with these providers and this telemetry, which the server closes when it stops. */
  public static SluiceServer start(SluiceConfig config, List<Provider> providers, Telemetry telemetry) throws Exception {
    var router = new ModelRouter(providers, config.aliases());
    var threads = new QueuedThreadPool();
    threads.setName("sluice");
    // Blocking handlers run here: one cheap virtual thread per request, so a stream parked on a slow
    // client or a silent upstream holds no platform thread.
    threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sluice-req-", 0).factory()));
    // A burst of thousands of connections starts up to 200 pool threads (Jetty runs each
    // connection's first read as a task); after the burst, Jetty's default lets one idle thread go
    // per minute, so their stacks stayed resident for hours. Idle threads now go within seconds.
    threads.setIdleTimeout(IDLE_THREAD_MILLIS);
    threads.setMaxEvictCount(threads.getMaxThreads());
    // The buffer pool keeps at most this much idle memory of each kind; Jetty's default is an eighth
    // of the maximum heap, and after a burst of 5,000 streams the pool held 73 MB of direct buffers
    // that nothing used (native memory tracking, "Other"). A chunk's buffer goes back as soon as it
    // is parsed, so the buffers in use at once are few; those are not bounded by this.
    var buffers = new ArrayByteBufferPool(0, -1, -1, -1, IDLE_BUFFER_BYTES, IDLE_BUFFER_BYTES);
    var server = new Server(threads, null, buffers);
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
    server.addConnector(connector);
    for (HttpClient upstreamClient : Providers.clientsToStart(providers)) {
      // The upstream client lives and dies with the server, and shares its buffers, its timers and
      // its threads: a chunk read from an upstream and the one written to a client come from one pool.
      // Its threads only parse and unpark the stream's own (virtual) thread, which reads the chunk.
      // On the 2-core bench machine a QueuedThreadPool of the client's own measured no different
      // in CPU per relayed chunk (within the noise); one pool keeps fewer platform threads.
      upstreamClient.setByteBufferPool(server.getByteBufferPool());
      upstreamClient.setScheduler(server.getScheduler());
      upstreamClient.setExecutor(threads);
      server.addBean(upstreamClient, true);
    }
    ConnectionCap connections = null;
    if (config.caps().maxConnections() > 0) {
      connections = new ConnectionCap(config.caps().maxConnections(), connector, telemetry);
      server.addBean(connections);
    }
    Database db = Database.open(config.accounting());
    var resilience = new Resilience(config.retry(), config.circuitBreaker());
    telemetry.watch(resilience.breakers());
    var lifecycle = new Lifecycle();
    telemetry.streamsOpen(lifecycle.openStreams()::count);
    var upstreams = new Upstreams(config, router, resilience, lifecycle);
    var shared = SharedState.start(config.redis(), config.resume());
    var streams = new StreamRegistry(config.resume(), shared.streams(), () -> telemetry.capRefused("log_bytes"));
    telemetry.replayLogBytes(streams.memory()::held);
    var caps = new StreamCaps(config.caps().maxStreamsPerKey(), config.caps().maxStreamsPerClient(), telemetry::capRefused);
    var ledger = LedgerWriter.start(db, config.accounting().journal(), telemetry::ledgerWrite);
    telemetry.ledgerQueueDepth(ledger::queued);
    telemetry.ledgerJournalBytes(ledger::journalBytes);
    var prices = PriceTable.withOverrides(config.accounting().prices());
    var accountant = new Accountant(ledger, prices);
    // Metric labels name only what the operator configured or priced; any other model is "other".
    Set<String> routable = Set.copyOf(router.routableModels());
    telemetry.labelModels(model -> routable.contains(model) || prices.price(model) != null);
    var keys = new KeyStore(db.dataSource());
    var fallbacks = new HashMap<String, List<String>>();
    config.modelPolicies().forEach((alias, policy) -> fallbacks.put(alias, policy.fallbacks()));
    // With Redis, limits and budgets are counted there, so they hold across instances.
    var guard = shared.distributed()
        ? new Guard(keys, config.accounting(), new SharedBudgets(shared.counters(), keys::spentSince),
            new SharedLimits(shared.counters()), prices, config.aliases(), fallbacks, caps)
        : new Guard(keys, config.accounting(), new InMemoryBudgets(keys::spentSince), new InMemoryLimits(), prices,
            config.aliases(), fallbacks, caps);
    // Ready only while Redis answers (when configured): limits, budgets and resume depend on it.
    if (shared.distributed()) lifecycle.readinessCheck("redis", () -> shared.ping(Duration.ofSeconds(1)));
    // Ready only while the ledger answers: a request must be able to leave its row. While its rows
    // wait in the journal (the database away, or being caught up), the check says so.
    lifecycle.readinessCheck("ledger", () -> {
      try {
        ledger.checkJournal();
      } catch (IllegalStateException journaling) {
        throw new ReadinessCheck.NotReady(journaling.getMessage()); // counts and bytes: the gateway's own words
      }
      if (!db.answers(1_000)) throw new ReadinessCheck.NotReady("the ledger's database does not answer");
    });
    var relayTimer = new RelayTimer();
    var gateway = new Gateway(config, router, streams, upstreams, telemetry, lifecycle,
        accountant, new UsageQuery(db.dataSource()), guard, relayTimer);
    var sites = new SiteCheck(config.host(), config.edge().allowedOrigins(), config.edge().allowedHosts());
    server.setHandler(new ExchangeHandler(gateway, new Routes(gateway, sites)));
    // No graceful phase in Jetty: close() drains the requests itself, with the configured deadline
    // and an honest error for streams that outlive it. Jetty's own phase would only wait on idle
    // keep-alive connections, then throw a TimeoutException from stop().
    server.setStopTimeout(0);
    var started = new SluiceServer(server, connector, connections, router, resilience, streams, guard, shared, telemetry,
        lifecycle, config.drainTimeout(), db, ledger, relayTimer);
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

  /** Metrics and traces of this server. */
  public Telemetry telemetry() {
    return telemetry;
  }

  /** The caps on requests in flight per key and per client, and how many hold a place now. */
  public StreamCaps caps() {
    return guard.caps();
  }

  /** The bytes the replay logs of browser streams hold now, and their bound. */
  public ReplayMemory replayMemory() {
    return streams.memory();
  }

  /** Client connections open now, as the connection cap counts them; -1 with no cap. */
  public int openConnections() {
    return connections == null ? -1 : connections.getNetworkConnectionCount();
  }

  /** Readiness checks and stop hooks: where the ledger and Redis register theirs. */
  public Lifecycle lifecycle() {
    return lifecycle;
  }

  /**
   * Stops gracefully: {@code /readyz} answers 503 at once and no new connection is accepted; open
   * streams run on for up to {@code server.drain_timeout}; those still open then end with a
   * {@code shutting_down} error in their dialect (never a clean end); then Jetty stops, the stop hooks
   * run (the ledger's flush) and telemetry is flushed. Idempotent.
   */
  @Override
  public void close() throws Exception {
    if (!closed.compareAndSet(false, true)) return;
    lifecycle.startDraining();
    // The cap would accept again as connections close during the drain: it stops first.
    if (connections != null) connections.stop();
    connector.setAccepting(false);
    long start = System.nanoTime();
    try {
      drain();
      long drained = System.nanoTime();
      // Streams waiting out a resume grace period would hold the stop up: they end now.
      streams.close();
      stopJetty();
      log.info("stopped: requests drained in {} ms, server stopped in {} ms", (drained - start) / 1_000_000,
          (System.nanoTime() - drained) / 1_000_000);
    } finally {
      try {
        // After Jetty: no stream is relayed any more.
        relayTimer.close();
        resilience.close();
        shared.close();
        lifecycle.runStopHooks();
        // After the server: streams still ending write their rows first.
        ledger.close();
        db.close();
      } finally {
        telemetry.close();
      }
    }
  }

  private void drain() throws InterruptedException {
    if (lifecycle.requestsInFlight().awaitNone(drainTimeout)) return;
    log.warn("stopping: {} stream(s) still open after the drain timeout of {} ms; ending them with an error",
        lifecycle.openStreams().count(), drainTimeout.toMillis());
    lifecycle.openStreams().cancelAll(Lifecycle.SHUTTING_DOWN);
    if (!lifecycle.requestsInFlight().awaitNone(CANCEL_GRACE)) {
      log.warn("stopping: requests still running {} ms after the streams' cancel (clients not reading?); closing them",
          CANCEL_GRACE.toMillis());
    }
  }

  /**
   * Stops Jetty: closes the connections left (idle keep-alive ones, or those of requests past the
   * grace), within {@link #JETTY_STOP_LIMIT} (see {@link JettyStop} for why a limit).
   */
  private void stopJetty() throws Exception {
    JettyStop.stop(server, JETTY_STOP_LIMIT);
  }
}
