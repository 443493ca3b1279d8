package dev.sluice.server.telemetry;

import dev.sluice.policy.Attempt;
import dev.sluice.policy.CircuitBreakers;
import dev.sluice.provider.UpstreamHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Request;

/**
 * The gateway's metrics and traces, one instance per server. Metrics live in a Prometheus registry
 * served at {@code GET /metrics}; names start with {@code sluice_}. Meters whose labels are fixed are
 * built once; meters with per-request labels are cached per label set, so the hot path does a map
 * lookup, never a registry build. Every request gets a {@link RequestTelemetry} from {@link #begin}.
 *
 * <p>Meters other parts of the gateway feed: {@link #ledgerWrite(Duration)} and
 * {@link #ledgerQueueDepth(IntSupplier)} for the usage ledger, {@link #streamsOpen(IntSupplier)} for
 * the lifecycle, {@link #clientWritesInProgress()} for client channels; each request's attempts and
 * relay report to the listeners of its {@link RequestTelemetry}.
 *
 * <p>Labels are bounded by design: a model label is a model the gateway was configured with or has
 * a price for ({@link #labelModels}), else {@code other}, so that callers naming random models
 * cannot grow the registry; no meter carries a virtual key (per-key usage is {@code /v1/usage}'s,
 * where each key sees only its own).
 */
public final class Telemetry implements AutoCloseable {
  /** The Prometheus text format's content type. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  static final String NONE = "none";
  /** The label of every model that is neither routable by its configured name nor priced. */
  static final String OTHER_MODEL = "other";

  /** W3C trace context, accepted from clients and sent upstream whether tracing is on or not. */
  static final TextMapPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();

  static {
    // Every upstream request carries the trace context current on the thread that builds it.
    UpstreamHeaders.install(sink -> PROPAGATOR.inject(Context.current(), sink, (s, k, v) -> s.accept(k, v)));
  }

  /** Latency buckets from a fast first token to a long answer. */
  private static final Duration[] LATENCY_BUCKETS = durations(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000, 60_000, 120_000, 300_000, 600_000);
  /** Gaps between chunks and cancel latencies: sub-millisecond to seconds. */
  private static final Duration[] SHORT_BUCKETS = durations(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Tracing tracing;
  private final Tracer tracer;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private final AtomicInteger clientWrites = new AtomicInteger();
  private final Map<List<String>, Counter> requests = new ConcurrentHashMap<>();
  /** Until the gateway says which models it knows, none is named in a label. */
  private volatile ModelLabels modelLabels = new ModelLabels(model -> false);
  private final Map<List<String>, Timer> durations = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> ttft = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> gaps = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> tokens = new ConcurrentHashMap<>();
  private final Map<String, Counter> cost = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> attempts = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> retries = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> fallbacks = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> upstreamErrors = new ConcurrentHashMap<>();
  private final Map<String, Counter> disconnects = new ConcurrentHashMap<>();
  private final Map<String, Counter> capRefusals = new ConcurrentHashMap<>();
  private final Set<String> breakerGauges = ConcurrentHashMap.newKeySet();
  private final Timer disconnectCancel;
  private final Timer ledgerWrite;
  private volatile CircuitBreakers breakers;

  public Telemetry(Tracing tracing) {
    this.tracing = tracing;
    this.tracer = tracing.openTelemetry().getTracer("dev.sluice");
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("sluice.streams.blocked.on.client", clientWrites, AtomicInteger::get)
        .description("Streams whose write to the client has not completed now (slow or stalled clients)")
        .register(registry);
    disconnectCancel = Timer.builder("sluice.disconnect.cancel")
        .description("From seeing a client disconnect to its upstream call cancelled")
        .serviceLevelObjectives(SHORT_BUCKETS).register(registry);
    ledgerWrite = Timer.builder("sluice.ledger.write").description("Time to write one usage-ledger row (or batch)")
        .serviceLevelObjectives(SHORT_BUCKETS).register(registry);
  }

  /** From the environment: traces over OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set. */
  public static Telemetry fromEnv(Map<String, String> env) {
    return new Telemetry(Tracing.fromEnv(env));
  }

  /** The Prometheus exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Exposes the state of {@code breakers}' breakers, one gauge set per upstream model once it was tried. */
  public void watch(CircuitBreakers breakers) {
    this.breakers = breakers;
  }

  /** Counted up while a write to a client is in progress: {@code sluice_streams_blocked_on_client}. */
  public AtomicInteger clientWritesInProgress() {
    return clientWrites;
  }

  /** Records one ledger write (the ledger calls this around each write or batch it commits). */
  public void ledgerWrite(Duration elapsed) {
    ledgerWrite.record(elapsed);
  }

  /** Exposes the ledger's queue depth as {@code sluice_ledger_queue_depth}, read at each scrape. */
  public void ledgerQueueDepth(IntSupplier depth) {
    // Strong: the caller may pass a lambda nobody else holds (Micrometer keeps gauges' state weakly).
    Gauge.builder("sluice.ledger.queue.depth", depth, d -> d.getAsInt()).strongReference(true)
        .description("Ledger rows waiting to be written").register(registry);
  }

  /**
   * Counts one request refused by the cap named {@code cap} ({@code streams_per_key},
   * {@code streams_per_client}), one pause of accepting at {@code connections}, or one replay-log
   * append that found {@code log_bytes} full: {@code sluice_cap_refusals_total}.
   */
  public void capRefused(String cap) {
    capRefusals.computeIfAbsent(cap, c -> Counter.builder("sluice.cap.refusals")
        .description("Requests refused by a cap, pauses of accepting at the connection cap, appends that found the "
            + "replay logs' total full").tags("cap", c).register(registry)).increment();
  }

  /** Exposes the bytes all replay logs hold as {@code sluice_replay_log_bytes}, read at each scrape. */
  public void replayLogBytes(LongSupplier held) {
    Gauge.builder("sluice.replay.log.bytes", held, h -> h.getAsLong()).strongReference(true)
        .description("Bytes held by the replay logs of browser streams, running and retained").register(registry);
  }

  /** Exposes the bytes of rows waiting in the ledger's local journal as {@code sluice_ledger_journal_bytes}. */
  public void ledgerJournalBytes(LongSupplier bytes) {
    Gauge.builder("sluice.ledger.journal.bytes", bytes, b -> b.getAsLong()).strongReference(true)
        .description("Ledger rows waiting in the local journal for the database, in bytes").register(registry);
  }

  /** Exposes the count of streams being relayed now as {@code sluice_streams_open}, read at each scrape. */
  public void streamsOpen(IntSupplier count) {
    Gauge.builder("sluice.streams.open", count, c -> c.getAsInt()).strongReference(true)
        .description("Streams being relayed now").register(registry);
  }

  /** Starts the telemetry of one request: its server span (child of the client's {@code traceparent}). */
  public RequestTelemetry begin(Request request, String requestId, long acceptedAtNanos) {
    return new RequestTelemetry(this, request, requestId, acceptedAtNanos);
  }

  Tracer tracer() {
    return tracer;
  }

  /** Whether spans are exported ({@code OTEL_EXPORTER_OTLP_ENDPOINT} set). */
  public boolean tracingEnabled() {
    return tracing.enabled();
  }

  /**
   * Which models appear by name in labels: {@code known} answers for a {@code provider/model}
   * (the gateway's configured and priced models); the rest are counted as {@code other}.
   */
  public void labelModels(Predicate<String> known) {
    this.modelLabels = new ModelLabels(known);
  }

  /** The label of {@code model}: itself when known, {@code none} when there is none, else {@code other}. */
  String modelLabel(String model) {
    return modelLabels.of(model);
  }

  /** Counts one upstream attempt (a retry, a fallback) and watches its model's breaker. */
  void attempted(Attempt attempt) {
    String provider = attempt.route().provider().name();
    String model = modelLabel(attempt.route().qualifiedModel());
    List<String> labels = List.of(provider, model);
    attempts.computeIfAbsent(labels, l -> Counter.builder("sluice.upstream.attempts")
        .description("Upstream calls made, retries and fallbacks included")
        .tags("provider", l.get(0), "model", l.get(1)).register(registry)).increment();
    if (attempt.retry()) {
      retries.computeIfAbsent(labels, l -> Counter.builder("sluice.retries")
          .description("Retries of an upstream model before its first token")
          .tags("provider", l.get(0), "model", l.get(1)).register(registry)).increment();
    } else if (attempt.fallback()) {
      fallbacks.computeIfAbsent(labels, l -> Counter.builder("sluice.fallbacks")
          .description("Requests handed to a fallback model (labels: the fallback)")
          .tags("provider", l.get(0), "model", l.get(1)).register(registry)).increment();
    }
    watchBreaker(model);
  }

  private void watchBreaker(String model) {
    CircuitBreakers b = breakers;
    if (b == null || !b.settings().enabled() || model.equals(OTHER_MODEL) || !breakerGauges.add(model)) return;
    for (CircuitBreakers.State state : List.of(CircuitBreakers.State.CLOSED, CircuitBreakers.State.OPEN,
        CircuitBreakers.State.HALF_OPEN)) {
      Gauge.builder("sluice.circuit.breaker.state", b, x -> x.state(model) == state ? 1 : 0)
          .description("1 for the state the breaker of this upstream model is in")
          .tags("model", model, "state", state.name().toLowerCase(Locale.ROOT)).register(registry);
    }
  }

  void upstreamError(String provider, String status) {
    upstreamErrors.computeIfAbsent(List.of(provider, status), l -> Counter.builder("sluice.upstream.errors")
        .description("Failed upstream attempts by HTTP status (or error type when there was no status)")
        .tags("provider", l.get(0), "status", l.get(1)).register(registry)).increment();
  }

  Timer gapTimer(String provider, String model) {
    return gaps.computeIfAbsent(List.of(provider, modelLabel(model)), l -> Timer.builder("sluice.chunk.gap")
        .description("Time between consecutive chunks of a stream, as read from the upstream")
        .tags("provider", l.get(0), "model", l.get(1)).serviceLevelObjectives(SHORT_BUCKETS).register(registry));
  }

  void disconnectCancelled(long nanos) {
    disconnectCancel.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One finished LLM request: requests, durations, time to first token, tokens, cost, disconnects. */
  void finished(String dialect, String provider, String servedModel, String stream, String status, long durationNanos,
      long ttftNanos, long inputTokens, long outputTokens, BigDecimal costUsd, boolean clientGone) {
    String model = modelLabel(servedModel);
    durations.computeIfAbsent(List.of(dialect, provider, model, status), l -> Timer.builder("sluice.request.duration")
        .description("From request received to its last byte")
        .tags("dialect", l.get(0), "provider", l.get(1), "model", l.get(2), "status", l.get(3))
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry))
        .record(durationNanos, TimeUnit.NANOSECONDS);
    if (ttftNanos >= 0) {
      ttft.computeIfAbsent(List.of(dialect, provider, model), l -> Timer.builder("sluice.time.to.first.token")
          .description("From request received to its first token read from the upstream")
          .tags("dialect", l.get(0), "provider", l.get(1), "model", l.get(2))
          .serviceLevelObjectives(LATENCY_BUCKETS).register(registry))
          .record(ttftNanos, TimeUnit.NANOSECONDS);
    }
    if (inputTokens > 0) tokenCounter("input", model).increment(inputTokens);
    if (outputTokens > 0) tokenCounter("output", model).increment(outputTokens);
    if (costUsd != null) {
      cost.computeIfAbsent(model, m -> Counter.builder("sluice.cost.usd")
          .description("Cost in USD of the requests, by model (only where a price is known)")
          .tags("model", m).register(registry)).increment(costUsd.doubleValue());
    }
    if (clientGone) {
      disconnects.computeIfAbsent(dialect, d -> Counter.builder("sluice.client.disconnects")
          .description("Requests whose client went away before the end").tags("dialect", d).register(registry))
          .increment();
    }
    // Counted last: a scrape that sees a request counted sees all of its other meters too.
    requests.computeIfAbsent(List.of(dialect, provider, model, stream, status), l -> Counter.builder("sluice.requests")
        .description("LLM requests by dialect, provider, model, streaming or not, and how they ended")
        .tags("dialect", l.get(0), "provider", l.get(1), "model", l.get(2), "stream", l.get(3), "status", l.get(4))
        .register(registry)).increment();
  }

  private Counter tokenCounter(String type, String model) {
    return tokens.computeIfAbsent(List.of(type, model), l -> Counter.builder("sluice.tokens")
        .description("Tokens by direction (input, output) and model")
        .tags(Tags.of("type", l.get(0), "model", l.get(1))).register(registry));
  }

  private static Duration[] durations(long... millis) {
    var out = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) out[i] = Duration.ofMillis(millis[i]);
    return out;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
    tracing.close();
  }
}
