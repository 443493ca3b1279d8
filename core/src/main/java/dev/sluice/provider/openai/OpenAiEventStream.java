package dev.sluice.provider.openai;

import dev.sluice.provider.HttpEventStream;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;

/** One Chat Completions call: the request OpenAI expects and its chunk decoder over the shared I/O. */
final class OpenAiEventStream extends HttpEventStream {
  private final OpenAiConfig config;
  private final ChatRequest request;
  private final OpenAiErrorMapper errors;

  OpenAiEventStream(OpenAiConfig config, HttpClient client, ChatRequest request) {
    this(config, client, request, new OpenAiErrorMapper(config.name(), config.apiKey()));
  }

  private OpenAiEventStream(OpenAiConfig config, HttpClient client, ChatRequest request, OpenAiErrorMapper errors) {
    super(config.name(), client, config.headersTimeout(), errors);
    this.config = config;
    this.request = request;
    this.errors = errors;
  }

  @Override
  protected HttpRequest request() throws GatewayException {
    byte[] json = OpenAiRequestWriter.write(request, config.maxTokensParameter());
    HttpRequest.Builder builder = jsonPost(config.chatCompletionsUri(), config.baseUrl(), json);
    if (config.apiKey() != null) builder.header("Authorization", "Bearer " + config.apiKey());
    return builder.build();
  }

  @Override
  protected UpstreamDecoder newDecoder() {
    return new OpenAiChunkDecoder(request.model(), errors);
  }
}
