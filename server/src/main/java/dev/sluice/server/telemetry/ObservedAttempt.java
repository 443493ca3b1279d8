package dev.sluice.server.telemetry;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.UsageReport;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Locale;

/**
 * One upstream attempt as telemetry sees it: a client span from its first read to its end (the
 * GenAI attributes of what the upstream answered), and the upstream-error count when it fails. The
 * span is current while the attempt opens, so the upstream request carries its {@code traceparent}.
 * Read by one thread; {@link #cancel} from any.
 */
final class ObservedAttempt implements EventStream {
  private final Telemetry telemetry;
  private final Route route;
  private final int candidate;
  private final int attempt;
  private final EventStream delegate;
  private final Context parent;

  // Reading thread only.
  private Span span;
  private boolean ended;

  ObservedAttempt(Telemetry telemetry, Route route, int candidate, int attempt, EventStream delegate, Context parent) {
    this.telemetry = telemetry;
    this.route = route;
    this.candidate = candidate;
    this.attempt = attempt;
    this.delegate = delegate;
    this.parent = parent;
  }

  @Override
  public StreamEvent next() {
    StreamEvent event;
    if (span == null) {
      span = telemetry.tracer().spanBuilder(GenAi.CHAT + " " + route.upstreamModel())
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT)
          .setAttribute(GenAi.SYSTEM, route.provider().name())
          .setAttribute(GenAi.REQUEST_MODEL, route.upstreamModel())
          .setAttribute(GenAi.CANDIDATE, (long) candidate)
          .setAttribute(GenAi.ATTEMPT, (long) attempt)
          .startSpan();
      // The first read sends the upstream request: it is built while this span is current.
      try (Scope ignored = parent.with(span).makeCurrent()) {
        event = delegate.next();
      }
    } else {
      event = delegate.next();
    }
    if (event != null && !ended) observe(event);
    return event;
  }

  private void observe(StreamEvent event) {
    switch (event) {
      case Started s -> {
        if (s.model() != null) span.setAttribute(GenAi.RESPONSE_MODEL, s.model());
      }
      case UsageReport u -> {
        span.setAttribute(GenAi.INPUT_TOKENS, u.usage().promptTokens());
        span.setAttribute(GenAi.OUTPUT_TOKENS, u.usage().completionTokens());
      }
      case Finished f -> {
        span.setAttribute(GenAi.FINISH_REASONS, List.of(f.reason().openAi()));
        end();
      }
      case Failed f -> {
        GatewayError error = f.error();
        if (error.type() != ErrorType.CANCELLED) {
          telemetry.upstreamError(route.provider().name(), error.upstreamStatus() > 0
              ? Integer.toString(error.upstreamStatus()) : error.type().name().toLowerCase(Locale.ROOT));
          span.setStatus(StatusCode.ERROR, error.message());
        }
        span.setAttribute(GenAi.ERROR_TYPE, error.code() != null ? error.code() : error.type().name().toLowerCase(Locale.ROOT));
        if (error.upstreamStatus() > 0) span.setAttribute(GenAi.HTTP_STATUS, (long) error.upstreamStatus());
        end();
      }
      default -> { }
    }
  }

  private void end() {
    ended = true;
    span.end();
  }

  @Override
  public void cancel(GatewayError reason) {
    delegate.cancel(reason);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      if (span != null && !ended) {
        // Closed before its end: the policy moved on (a first-token deadline) or the request ended.
        span.setAttribute(GenAi.OUTCOME, "closed");
        end();
      }
    }
  }
}
