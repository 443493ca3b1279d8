package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.responses.PassthroughRequestReader;
import dev.sluice.dialect.responses.ResponseBuilder;
import dev.sluice.dialect.responses.ResponsesPassthroughEncoder;
import dev.sluice.dialect.responses.ResponsesRequestDecoder;
import dev.sluice.dialect.responses.ResponsesStreamEncoder;
import dev.sluice.server.http.Gateway;
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
 *
 * <p>A streaming request to a model that only Responses upstreams answer passes through: the client's
 * own body goes upstream (its {@code model} renamed) and the upstream's events come back as they are,
 * while the relay still meters, times and ends the stream as every other.
 */
public final class ResponsesDialect implements ApiEndpoint.Dialect {

  @Override
  public ChatRequest decode(byte[] body) throws GatewayException {
    return ResponsesRequestDecoder.decode(body);
  }

  /**
   * A streaming request whose every route speaks Responses passes through as it is
   * ({@link PassthroughRequestReader}); any other is translated, and refused where it cannot be.
   */
  @Override
  public ChatRequest decode(byte[] body, Gateway gateway) throws GatewayException {
    PassthroughRequestReader.Heading heading = PassthroughRequestReader.heading(body);
    if (heading.stream() && gateway.upstreams().speaksResponsesOnly(heading.model())) {
      return PassthroughRequestReader.read(body);
    }
    return decode(body);
  }

  @Override
  public StreamEncoder streamEncoder(ChatRequest request) {
    return request.passthroughBody() != null ? new ResponsesPassthroughEncoder() : new ResponsesStreamEncoder();
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
