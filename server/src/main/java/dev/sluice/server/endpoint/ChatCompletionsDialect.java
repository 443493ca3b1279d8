package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.openai.OpenAiCompletionBuilder;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.dialect.openai.OpenAiRequestDecoder;
import dev.sluice.dialect.openai.OpenAiStreamEncoder;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;

/** {@code POST /v1/chat/completions}: the OpenAI dialect's codecs, streaming or not. */
public final class ChatCompletionsDialect implements ApiEndpoint.Dialect {

  @Override
  public ChatRequest decode(byte[] body) throws GatewayException {
    return OpenAiRequestDecoder.decode(body);
  }

  @Override
  public StreamEncoder streamEncoder(ChatRequest request) {
    return new OpenAiStreamEncoder(request.includeUsage());
  }

  @Override
  public ApiEndpoint.WholeAnswer wholeAnswer() {
    var builder = new OpenAiCompletionBuilder();
    return ApiEndpoint.WholeAnswer.json(builder::add, builder::build);
  }

  @Override
  public void respondError(GatewayError error, ClientChannel channel) throws IOException {
    respondOpenAiError(error, channel);
  }

  /** An error before the first byte, as OpenAI answers it on both its APIs: its status and error object. */
  static void respondOpenAiError(GatewayError error, ClientChannel channel) throws IOException {
    channel.respond(error.httpStatus(), "application/json", OpenAiErrors.body(error), error.retryAfter());
  }
}
