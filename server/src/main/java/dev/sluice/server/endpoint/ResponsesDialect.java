package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.responses.ResponseBuilder;
import dev.sluice.dialect.responses.ResponsesRequestDecoder;
import dev.sluice.dialect.responses.ResponsesStreamEncoder;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;

/**
 * {@code POST /v1/responses}: OpenAI's Responses dialect, streaming or not, to any provider. Errors
 * before the first byte are OpenAI's error object with its status; after it, the stream ends with
 * {@code response.failed} (the encoder's honest end). Keep-alive is the relay's SSE comment, which
 * OpenAI's SDKs and the Codex CLI skip.
 */
public final class ResponsesDialect implements ApiEndpoint.Dialect {

  @Override
  public ChatRequest decode(byte[] body) throws GatewayException {
    return ResponsesRequestDecoder.decode(body);
  }

  @Override
  public StreamEncoder streamEncoder(ChatRequest request) {
    return new ResponsesStreamEncoder();
  }

  @Override
  public ApiEndpoint.WholeAnswer wholeAnswer() {
    var builder = new ResponseBuilder();
    return ApiEndpoint.WholeAnswer.json(builder::add, builder::build);
  }

  @Override
  public void respondError(GatewayError error, ClientChannel channel) throws IOException {
    ChatCompletionsDialect.respondOpenAiError(error, channel);
  }
}
