package dev.sluice.server;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.browser.BrowserRequestDecoder;
import dev.sluice.dialect.browser.BrowserStreamEncoder;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The browser dialect: {@code GET /api/chat/stream} for {@code EventSource}, {@code POST /api/chat}
 * for {@code fetch}, and {@code DELETE /api/streams/{id}} to abort a stream at once.
 *
 * <p>{@code EventSource} cannot read an error response's body, so the GET endpoint always answers
 * with an event stream and reports even bad input as an {@code {"error": ...}} event; the POST
 * endpoint answers bad input with a 4xx and the same JSON.
 */
final class BrowserEndpoint {
  private final Gateway gateway;

  BrowserEndpoint(Gateway gateway) {
    this.gateway = gateway;
  }

  Outcome stream(Exchange exchange, boolean eventSource) throws IOException {
    ChatRequest request = null;
    Upstreams.Call call;
    try {
      if (eventSource) {
        Fields fields = Request.extractQueryParameters(exchange.request());
        var query = new HashMap<String, String>();
        for (Fields.Field f : fields) query.put(f.getName(), f.getValue());
        request = BrowserRequestDecoder.fromQuery(query);
      } else {
        RequestBodies.requireJson(exchange.request());
        request = BrowserRequestDecoder.fromJson(RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes()));
      }
      gateway.guard().admit(exchange.account(), request);
      exchange.watch().watchReads();
      call = gateway.upstreams().open(request);
    } catch (GatewayException e) {
      return ApiEndpoint.reject(gateway, exchange, request, e.error(), responder(eventSource));
    }
    String streamId = "st_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    var context = new StreamContext(streamId, exchange.acceptedAtNanos());
    StreamRelay relay = ApiEndpoint.relay(gateway, exchange, request, call, context);
    gateway.streams().add(streamId, call.source());
    ClientChannel channel = exchange.channel();
    // Off the registry before the last byte goes out: a client that saw the end cannot still abort it.
    channel.beforeLastWrite(() -> gateway.streams().remove(streamId));
    try {
      // Priced by the model that answered, which may be a fallback; sim answers cost nothing.
      var encoder = new BrowserStreamEncoder(context, gateway.accountant().prices()::usd);
      return relay.stream(encoder, channel, responder(eventSource));
    } finally {
      gateway.streams().remove(streamId);
    }
  }

  /** {@code DELETE /api/streams/{id}}: 204 when a running stream was aborted, 404 when none runs. */
  void abort(Exchange exchange, String streamId) throws IOException {
    boolean found = gateway.streams().cancel(streamId, GatewayError.of(ErrorType.CANCELLED, "aborted by the client"));
    if (found) {
      exchange.channel().respond(204, null, "", null);
    } else {
      GatewayError error = GatewayError.of(ErrorType.NOT_FOUND, "No running stream has the id '" + streamId + "'.");
      exchange.channel().respond(404, "application/json", BrowserStreamEncoder.errorData(error), null);
    }
  }

  private static StreamRelay.ErrorResponder responder(boolean eventSource) {
    if (eventSource) return (error, channel) -> {
      channel.event(null, null, BrowserStreamEncoder.errorData(error));
      channel.finish();
    };
    return (error, channel) ->
        channel.respond(error.httpStatus(), "application/json", BrowserStreamEncoder.errorData(error), error.retryAfter());
  }
}
