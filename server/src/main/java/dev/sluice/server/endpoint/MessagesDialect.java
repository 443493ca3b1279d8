package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.anthropic.AnthropicErrors;
import dev.sluice.dialect.anthropic.AnthropicMessageBuilder;
import dev.sluice.dialect.anthropic.AnthropicRequestDecoder;
import dev.sluice.dialect.anthropic.AnthropicStreamEncoder;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.StreamEvent;
import java.io.IOException;

/**
 * {@code POST /v1/messages}: the Anthropic dialect's codecs, streaming or not, to any provider.
 *
 * <p>Keep-alive while the upstream is quiet: the relay's heartbeat, sent here as Anthropic's own
 * {@code ping} event ({@code event: ping} with {@code {"type": "ping"}}), which Anthropic's SDKs skip
 * wherever it comes, before {@code message_start} included. The encoder also sends the one
 * {@code ping} Anthropic sends after {@code message_start}.
 */
public final class MessagesDialect implements ApiEndpoint.Dialect {

  @Override
  public ChatRequest decode(byte[] body) throws GatewayException {
    return AnthropicRequestDecoder.decode(body);
  }

  @Override
  public void prepare(ClientChannel channel) {
    channel.heartbeatAs("ping", "{\"type\": \"ping\"}");
  }

  @Override
  public StreamEncoder streamEncoder(ChatRequest request) {
    return new AnthropicStreamEncoder();
  }

  @Override
  public ApiEndpoint.WholeAnswer wholeAnswer() {
    var builder = new AnthropicMessageBuilder();
    return new ApiEndpoint.WholeAnswer() {
      @Override
      public void accept(StreamEvent event) {
        builder.add(event);
      }

      @Override
      public void respond(ClientChannel channel) throws IOException {
        String message;
        try {
          message = builder.build();
        } catch (GatewayException e) {
          respondError(e.error(), channel);
          return;
        }
        channel.respond(200, "application/json", message);
      }
    };
  }

  /** An error before the first byte, as Anthropic answers it: its status and error object. */
  @Override
  public void respondError(GatewayError error, ClientChannel channel) throws IOException {
    channel.respond(error.httpStatus(), "application/json", AnthropicErrors.body(error), error.retryAfter());
  }
}
