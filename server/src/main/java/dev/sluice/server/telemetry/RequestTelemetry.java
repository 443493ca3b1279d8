package dev.sluice.server.telemetry;

import dev.sluice.policy.AttemptListener;
import dev.sluice.route.Route;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.RelayListener;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The telemetry of one request, on the request's own (virtual) thread: its server span, current
 * from {@link Telemetry#begin} to {@link #end}; the listeners that hear what its upstream attempts
 * ({@link #attempts()}) and its relay ({@link #stream}) report, so that attempts nest under its span
 * and carry its trace upstream, and first token and gaps between chunks are timed; and at the end
 * the request's metrics and its one access-log line.
 */
public final class RequestTelemetry {
  private static final Logger access = LoggerFactory.getLogger("sluice.access");
  /** Paths of the LLM endpoints: counted in {@code sluice_requests_total}; span names use them. */
  private static final Set<String> ROUTES = Set.of("/v1/chat/completions", "/v1/responses", "/v1/embeddings",
      "/v1/messages", "/v1/models",
      "/api/chat", "/api/chat/stream");
  /** Probes are neither traced nor logged: they would drown the requests. */
  private static final Set<String> PROBES = Set.of("/healthz", "/readyz", "/metrics");

  private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Request carrier) {
      return carrier.getHeaders().stream().map(HttpField::getName).toList();
    }

    @Override
    public String get(Request carrier, String key) {
      return carrier == null ? null : carrier.getHeaders().get(key);
    }
  };

  private final Telemetry telemetry;
  private final String requestId;
  private final String method;
  private final String path;
  private final String dialect;
  private final long acceptedAtNanos;
  private final boolean probe;
  private final Span span;
  /** The request's trace context: the client's {@code traceparent}, then this request's span. */
  private final Context context;
  private final Scope scope;

  // The request's thread only.
  private String requestedModel;
  private boolean streamed;
  private String provider = Telemetry.NONE;
  private String model = Telemetry.NONE;
  private String responseModel;
  private int attempts;
  private long firstTokenNanos = -1;
  private long lastChunkNanos;
  private Timer gapTimer;

  RequestTelemetry(Telemetry telemetry, Request request, String requestId, long acceptedAtNanos) {
    this.telemetry = telemetry;
    this.requestId = requestId;
    this.method = request.getMethod();
    this.path = Request.getPathInContext(request);
    this.dialect = dialectOf(path);
    this.acceptedAtNanos = acceptedAtNanos;
    this.probe = PROBES.contains(path);
    Context parent = Telemetry.PROPAGATOR.extract(Context.root(), request, HEADERS);
    if (probe) {
      this.span = Span.fromContext(parent);
    } else {
      this.span = telemetry.tracer().spanBuilder(ROUTES.contains(path) ? method + " " + path : method)
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent)
          .setAttribute(GenAi.HTTP_METHOD, method)
          .setAttribute(GenAi.REQUEST_ID, requestId)
          .startSpan();
      if (ROUTES.contains(path)) span.setAttribute(GenAi.HTTP_ROUTE, path);
    }
    this.context = parent.with(span);
    this.scope = context.makeCurrent();
  }

  /** The dialect of a path, a metrics label. */
  static String dialectOf(String path) {
    return switch (path) {
      case "/v1/chat/completions" -> "openai";
      case "/v1/responses" -> "responses";
      case "/v1/embeddings" -> "embeddings";
      case "/v1/messages" -> "anthropic";
      case "/api/chat", "/api/chat/stream" -> "browser";
      default -> Telemetry.NONE;
    };
  }

  /**
   * The listener of the relay of this request's stream for {@code requestedModel}: the answering
   * model, the first token and the gaps between chunks.
   */
  public RelayListener stream(String requestedModel, boolean streamed) {
    this.requestedModel = requestedModel;
    this.streamed = streamed;
    span.setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT);
    span.setAttribute(GenAi.REQUEST_MODEL, requestedModel);
    return new StreamTelemetry(this);
  }

  /**
   * The listener of this request's upstream attempts: counts them and traces each as a child span
   * of this request's, whichever thread reads the stream.
   */
  public AttemptListener attempts() {
    return new AttemptTelemetry(telemetry, this, context);
  }

  void attempting(Route route) {
    attempts++;
    provider = route.provider().name();
    model = route.qualifiedModel();
  }

  void started(String upstreamModel) {
    if (upstreamModel != null) responseModel = upstreamModel;
  }

  /** A text or tool-call chunk was read. */
  void chunk(long now) {
    if (firstTokenNanos < 0) {
      firstTokenNanos = now - acceptedAtNanos;
      gapTimer = telemetry.gapTimer(provider, model);
    } else {
      gapTimer.record(now - lastChunkNanos, TimeUnit.NANOSECONDS);
    }
    lastChunkNanos = now;
  }

  /** The trace id of this request's span, or null when there is none. */
  public String traceId() {
    return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
  }

  /**
   * Ends the request: metrics (LLM requests only), the span, and the access line. Called once, on
   * the request's thread, in the handler's {@code finally}.
   *
   * @param outcome how the LLM request ended, or null for other requests and failures of the handler
   * @param httpStatus the response's status
   * @param keyId the virtual key's id, or null without one
   * @param costUsd the request's cost when priced, else null
   * @param bytes the response bytes written
   */
  public void end(Outcome outcome, int httpStatus, String keyId, BigDecimal costUsd, long bytes) {
    try {
      long duration = System.nanoTime() - acceptedAtNanos;
      Usage usage = outcome == null ? Usage.NONE : outcome.usage();
      GatewayError error = outcome == null ? null : outcome.error();
      if (outcome != null) {
        telemetry.finished(dialect, provider, model, requestedModel == null ? Telemetry.NONE : Boolean.toString(streamed),
            outcome.status().word(), duration, firstTokenNanos, usage.promptTokens(), usage.completionTokens(), costUsd,
            error != null && error.clientGone());
      }
      if (!probe) {
        endSpan(outcome, httpStatus, usage, error);
        log(outcome, httpStatus, keyId, costUsd, bytes, duration, usage, error);
      }
    } finally {
      scope.close();
    }
  }

  private void endSpan(Outcome outcome, int httpStatus, Usage usage, GatewayError error) {
    span.setAttribute(GenAi.HTTP_STATUS, (long) httpStatus);
    if (outcome != null) {
      span.setAttribute(GenAi.OUTCOME, outcome.status().word());
      if (!provider.equals(Telemetry.NONE)) span.setAttribute(GenAi.SYSTEM, provider);
      if (responseModel != null) span.setAttribute(GenAi.RESPONSE_MODEL, responseModel);
      span.setAttribute(GenAi.INPUT_TOKENS, usage.promptTokens());
      span.setAttribute(GenAi.OUTPUT_TOKENS, usage.completionTokens());
      FinishReason finish = outcome.finishReason();
      if (finish != null) span.setAttribute(GenAi.FINISH_REASONS, List.of(finish.openAi()));
    }
    if (error != null && !error.clientGone()) {
      span.setAttribute(GenAi.ERROR_TYPE, error.type().name().toLowerCase(Locale.ROOT));
    }
    if (httpStatus >= 500 || (outcome != null && failed(outcome.status()))) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Whether the request ended in an error of the upstream or the gateway (a client's leaving or refusal is none). */
  private static boolean failed(Outcome.Status status) {
    return switch (status) {
      case FAILED, TIMEOUT -> true;
      case COMPLETED, ABORTED, REJECTED -> false;
    };
  }

  /** The access line: identifiers, model, status, end, timings, tokens, cost, bytes; never content or keys. */
  private void log(Outcome outcome, int httpStatus, String keyId, BigDecimal costUsd, long bytes, long duration,
      Usage usage, GatewayError error) {
    if (!access.isInfoEnabled()) return;
    LoggingEventBuilder line = access.atInfo()
        .addKeyValue("request_id", requestId)
        .addKeyValue("key_id", keyId)
        .addKeyValue("method", method)
        .addKeyValue("path", path)
        .addKeyValue("status", httpStatus);
    if (outcome != null) {
      line.addKeyValue("dialect", dialect)
          .addKeyValue("model", requestedModel)
          .addKeyValue("provider", provider.equals(Telemetry.NONE) ? null : provider)
          .addKeyValue("served_model", model.equals(Telemetry.NONE) ? null : model)
          .addKeyValue("end", outcome.status().word())
          .addKeyValue("finish_reason", outcome.finishReason() == null ? null : outcome.finishReason().openAi())
          .addKeyValue("error_type", error == null ? null : error.type().name().toLowerCase(Locale.ROOT))
          .addKeyValue("error_code", error == null ? null : error.code())
          .addKeyValue("attempts", attempts)
          .addKeyValue("ttft_ms", firstTokenNanos < 0 ? null : firstTokenNanos / 1_000_000)
          .addKeyValue("tokens_in", usage.promptTokens())
          .addKeyValue("tokens_out", usage.completionTokens())
          .addKeyValue("tokens_estimated", usage.estimated())
          .addKeyValue("cost_usd", costUsd == null ? null : costUsd.toPlainString());
    }
    line.addKeyValue("duration_ms", duration / 1_000_000)
        .addKeyValue("bytes", bytes)
        .addKeyValue("trace_id", traceId())
        .log("access");
  }
}
