package dev.sluice.server.http;

import dev.sluice.dialect.anthropic.AnthropicErrors;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.server.ledger.RequestAccount;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.DisconnectWatch;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.telemetry.RequestTelemetry;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry of every request: gives it an {@code x-request-id}, its client channel, its disconnect
 * watch, its telemetry and its ledger account, counts it in flight for the lifecycle, then hands the
 * {@link Exchange} to the {@link Router}.
 * Runs blocking, one virtual thread per request. An unexpected exception becomes a 500 in the
 * caller's dialect with the request id, never a stack trace, and a model request keeps its row.
 */
public final class ExchangeHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(ExchangeHandler.class);

  private final Gateway gateway;
  private final Router router;

  public ExchangeHandler(Gateway gateway, Router router) {
    this.gateway = gateway;
    this.router = router;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long acceptedAt = System.nanoTime();
    String requestId = "req_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    response.getHeaders().put("x-request-id", requestId);
    var channel = new ClientChannel(response, gateway.telemetry().clientWritesInProgress());
    request.addIdleTimeoutListener(channel::idleTimeoutIsFatal);
    DisconnectWatch watch = DisconnectWatch.start(request);
    channel.beforeLastWrite(watch::disarm);
    RequestTelemetry telemetry = gateway.telemetry().begin(request, requestId, acceptedAt);
    var exchange = new Exchange(requestId, request, response, channel, watch, acceptedAt, telemetry,
        new RequestAccount(requestId, System.currentTimeMillis()));
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    Outcome outcome = null;
    // Counted out in the finally below: a graceful stop waits for every request in flight.
    gateway.lifecycle().requestsInFlight().begin();
    try {
      outcome = router.route(exchange);
      if (watch.strayBytes()) {
        // The watch consumed a byte the client sent during the response (pipelining behind a
        // stream): the next request on this connection is damaged, so the connection ends here.
        request.getConnectionMetaData().getConnection().getEndPoint().close();
      }
      if (channel.cutShort()) {
        // A stream that ended before its end (cancelled, or its client left) with no error event
        // written: the connection is cut (HTTP/1.1: no last chunk; HTTP/2: a reset), so that no
        // client takes what it got for a whole answer.
        callback.failed(new EofException("the stream was cut short"));
      } else {
        callback.succeeded();
      }
    } catch (Throwable t) {
      log.error("{} {} {} failed", requestId, method, path, t);
      if (router.isModelEndpoint(path)) {
        // Whatever the failure, the request keeps its ledger row (a no-op if the relay wrote it).
        try {
          gateway.accountant().record(exchange.account(),
              Outcome.failed(GatewayError.of(ErrorType.INTERNAL, "the gateway failed")), null);
        } catch (RuntimeException e) {
          t.addSuppressed(e);
        }
      }
      if (!exchange.channel().committed()) {
        try {
          GatewayError error = GatewayError.of(ErrorType.INTERNAL,
              "Sluice failed to handle this request; quote request id " + requestId + " when reporting it.");
          String body = path.equals("/v1/messages") ? AnthropicErrors.body(error) : OpenAiErrors.body(error);
          exchange.channel().respond(500, "application/json", body);
          callback.succeeded();
          return true;
        } catch (IOException | RuntimeException e) {
          t.addSuppressed(e);
        }
      }
      callback.failed(t);
    } finally {
      watch.disarm();
      try {
        // Metrics, the span's end and the one access line (sluice.access, structured).
        telemetry.end(outcome, response.getStatus(), exchange.account().keyId(), costOf(outcome), channel.bytesWritten());
      } finally {
        gateway.lifecycle().requestsInFlight().end();
      }
    }
    return true;
  }

  /** The request's cost in USD when a price is known, else null (never guessed). */
  private BigDecimal costOf(Outcome outcome) {
    return outcome == null || outcome.model() == null ? null : gateway.accountant().prices().usd(outcome.model(), outcome.usage());
  }
}
