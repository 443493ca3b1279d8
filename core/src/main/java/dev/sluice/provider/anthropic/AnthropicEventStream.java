package dev.sluice.provider.anthropic;

import dev.sluice.provider.HttpEventStream;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;

/** One Messages call: the request Anthropic expects and its event decoder over the shared I/O. */
final class AnthropicEventStream extends HttpEventStream {
  private final AnthropicConfig config;
  private final ChatRequest request;
  private final AnthropicErrorMapper errors;

  AnthropicEventStream(AnthropicConfig config, HttpClient client, ChatRequest request) {
    this(config, client, request, new AnthropicErrorMapper(config.name(), config.apiKey()));
  }

  private AnthropicEventStream(AnthropicConfig config, HttpClient client, ChatRequest request, AnthropicErrorMapper errors) {
    super(config.name(), client, config.headersTimeout(), errors);
    this.config = config;
    this.request = request;
    this.errors = errors;
  }

  @Override
  protected HttpRequest request() throws GatewayException {
    byte[] json = AnthropicRequestWriter.write(request, config.defaultMaxTokens());
    HttpRequest.Builder builder = jsonPost(config.messagesUri(), config.baseUrl(), json)
        .header("anthropic-version", AnthropicConfig.API_VERSION);
    if (config.apiKey() != null) builder.header("x-api-key", config.apiKey());
    return builder.build();
  }

  @Override
  protected UpstreamDecoder newDecoder() {
    return new AnthropicEventDecoder(request.model(), errors);
  }
}
