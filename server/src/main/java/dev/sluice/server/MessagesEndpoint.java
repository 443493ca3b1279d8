package dev.sluice.server;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.anthropic.AnthropicErrors;
import dev.sluice.dialect.anthropic.AnthropicMessageBuilder;
import dev.sluice.dialect.anthropic.AnthropicRequestDecoder;
import dev.sluice.dialect.anthropic.AnthropicStreamEncoder;
import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;

/**
 * {@code POST /v1/messages}: the Anthropic dialect, streaming or not, to any provider.
 *
 * <p>Keep-alive while the upstream is quiet: the relay's heartbeat, sent here as Anthropic's own
 * {@code ping} event ({@code event: ping} with {@code {"type": "ping"}}), which Anthropic's SDKs skip
 * wherever it comes, before {@code message_start} included. The encoder also sends the one
 * {@code ping} Anthropic sends after {@code message_start}.
 */
final class MessagesEndpoint {
  private final Gateway gateway;

  MessagesEndpoint(Gateway gateway) {
    this.gateway = gateway;
  }

  Outcome handle(Exchange exchange) throws IOException {
    ChatRequest request;
    Route route;
    try {
      RequestBodies.requireJson(exchange.request());
      request = AnthropicRequestDecoder.decode(RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes()));
      exchange.watch().watchReads();
      route = gateway.router().resolve(request.model());
    } catch (GatewayException e) {
      respondError(e.error(), exchange.channel());
      return Outcome.rejected(e.error());
    }
    EventStream source = route.provider().stream(request.withModel(route.upstreamModel()));
    var context = new StreamContext(exchange.requestId(), request.model(), exchange.acceptedAtNanos());
    var relay = new StreamRelay(source, new UsageMeter(request), context, gateway.config().timeouts(),
        gateway.config().heartbeat());
    exchange.watch().onGone(() -> source.cancel(GatewayError.clientDisconnected("connection closed")));
    ClientChannel channel = exchange.channel();
    channel.heartbeatAs("ping", "{\"type\": \"ping\"}");
    if (request.stream()) {
      return relay.stream(new AnthropicStreamEncoder(), channel, MessagesEndpoint::respondError);
    }
    var builder = new AnthropicMessageBuilder();
    return relay.collect(builder::add, () -> {
      String message;
      try {
        message = builder.build();
      } catch (GatewayException e) {
        respondError(e.error(), channel);
        return;
      }
      channel.respond(200, "application/json", message);
    }, channel, MessagesEndpoint::respondError);
  }

  /** An error before the first byte, as Anthropic answers it: its status and error object. */
  static void respondError(GatewayError error, ClientChannel channel) throws IOException {
    channel.respond(error.httpStatus(), "application/json", AnthropicErrors.body(error), error.retryAfter());
  }
}
