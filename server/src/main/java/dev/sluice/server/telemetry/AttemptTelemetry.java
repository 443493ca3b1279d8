package dev.sluice.server.telemetry;

import dev.sluice.policy.Attempt;
import dev.sluice.policy.AttemptListener;
import dev.sluice.route.Route;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The upstream attempts of one request as telemetry sees them: each is counted (attempts, retries,
 * fallbacks, upstream errors by status) and traced as a client span, child of the request's span,
 * from its first read to its end, with the GenAI attributes of what the upstream answered. The span
 * is current while the attempt sends its request, so that request carries its {@code traceparent}.
 *
 * <p>Attempts of one request run one after another on its reading thread, so one span is open at a
 * time; {@link #cancelled} comes from whichever thread cancelled.
 */
final class AttemptTelemetry implements AttemptListener {
  private final Telemetry telemetry;
  private final RequestTelemetry request;
  private final Context parent;
  /** Only the first cancel for a client that left is timed. */
  private final AtomicBoolean goneTimed = new AtomicBoolean();

  // Reading thread only.
  private Span span;
  private Scope sending;

  AttemptTelemetry(Telemetry telemetry, RequestTelemetry request, Context parent) {
    this.telemetry = telemetry;
    this.request = request;
    this.parent = parent;
  }

  @Override
  public void attemptStarted(Attempt attempt) {
    Route route = attempt.route();
    telemetry.attempted(attempt);
    request.attempting(route);
    span = telemetry.tracer().spanBuilder(GenAi.CHAT + " " + route.upstreamModel())
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent)
        .setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT)
        .setAttribute(GenAi.SYSTEM, route.provider().name())
        .setAttribute(GenAi.REQUEST_MODEL, route.upstreamModel())
        .setAttribute(GenAi.CANDIDATE, (long) attempt.candidate())
        .setAttribute(GenAi.ATTEMPT, (long) attempt.number())
        .startSpan();
    // The first read builds and sends the upstream request: this span is current meanwhile.
    sending = parent.with(span).makeCurrent();
  }

  @Override
  public void attemptResponded(Attempt attempt) {
    if (sending != null) {
      sending.close();
      sending = null;
    }
  }

  @Override
  public void responseModel(Attempt attempt, String model) {
    span.setAttribute(GenAi.RESPONSE_MODEL, model);
  }

  @Override
  public void usageReported(Attempt attempt, Usage usage) {
    span.setAttribute(GenAi.INPUT_TOKENS, usage.promptTokens());
    span.setAttribute(GenAi.OUTPUT_TOKENS, usage.completionTokens());
  }

  @Override
  public void attemptFinished(Attempt attempt, FinishReason reason) {
    span.setAttribute(GenAi.FINISH_REASONS, List.of(reason.openAi()));
    span.end();
  }

  @Override
  public void attemptFailed(Attempt attempt, GatewayError error) {
    if (error.type() != ErrorType.CANCELLED) {
      telemetry.upstreamError(attempt.route().provider().name(), error.upstreamStatus() > 0
          ? Integer.toString(error.upstreamStatus()) : error.type().name().toLowerCase(Locale.ROOT));
      span.setStatus(StatusCode.ERROR, error.message());
    }
    span.setAttribute(GenAi.ERROR_TYPE, error.code() != null ? error.code() : error.type().name().toLowerCase(Locale.ROOT));
    if (error.upstreamStatus() > 0) span.setAttribute(GenAi.HTTP_STATUS, (long) error.upstreamStatus());
    span.end();
  }

  @Override
  public void attemptClosed(Attempt attempt) {
    // Let go before its end: the policy moved on (a first-token deadline) or the request ended.
    span.setAttribute(GenAi.OUTCOME, "closed");
    span.end();
  }

  @Override
  public void cancelled(GatewayError reason, long nanos) {
    // A client that left is seen by the disconnect watch or by a failed write, whichever comes
    // first: either way its upstream is cancelled once, and that cancel is what is timed.
    if (reason.clientGone() && goneTimed.compareAndSet(false, true)) telemetry.disconnectCancelled(nanos);
  }
}
