package dev.sluice.server;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.openai.OpenAiCompletionBuilder;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.dialect.openai.OpenAiRequestDecoder;
import dev.sluice.dialect.openai.OpenAiStreamEncoder;
import dev.sluice.provider.EventStream;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;

/** {@code POST /v1/chat/completions}: the OpenAI dialect, streaming or not. */
final class ChatCompletionsEndpoint {
  private final Gateway gateway;

  ChatCompletionsEndpoint(Gateway gateway) {
    this.gateway = gateway;
  }

  Outcome handle(Exchange exchange) throws IOException {
    ChatRequest request;
    Upstreams.Call call;
    try {
      RequestBodies.requireJson(exchange.request());
      request = OpenAiRequestDecoder.decode(RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes()));
      exchange.watch().watchReads();
      call = gateway.upstreams().open(request);
    } catch (GatewayException e) {
      respondError(e.error(), exchange.channel());
      return Outcome.rejected(e.error());
    }
    EventStream source = call.source();
    var context = new StreamContext(exchange.requestId(), request.model(), exchange.acceptedAtNanos());
    var relay = new StreamRelay(source, new UsageMeter(request), context, call.watchdog(),
        gateway.config().heartbeat());
    exchange.watch().onGone(() -> source.cancel(GatewayError.clientDisconnected("connection closed")));
    ClientChannel channel = exchange.channel();
    if (request.stream()) {
      return relay.stream(new OpenAiStreamEncoder(request.includeUsage()), channel, ChatCompletionsEndpoint::respondError);
    }
    var builder = new OpenAiCompletionBuilder();
    return relay.collect(builder::add, () -> channel.respond(200, "application/json", builder.build()), channel,
        ChatCompletionsEndpoint::respondError);
  }

  static void respondError(GatewayError error, ClientChannel channel) throws IOException {
    channel.respond(error.httpStatus(), "application/json", OpenAiErrors.body(error), error.retryAfter());
  }
}
