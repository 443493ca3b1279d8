package dev.sluice.provider.openai;

import dev.sluice.provider.HttpProvider;
import dev.sluice.provider.HttpUpstream;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamHttp;
import org.eclipse.jetty.client.HttpClient;

/**
 * The adapter for OpenAI Chat Completions and the servers that copy it (Ollama, vLLM, LiteLLM and
 * other proxies): a canonical request becomes {@code POST {baseUrl}/chat/completions} with
 * {@code "stream": true} and {@code "stream_options": {"include_usage": true}}, and the upstream's
 * {@code text/event-stream} becomes canonical events.
 *
 * <p>What comes back, in canonical terms:
 * <ul>
 *   <li>one {@code Started} from the first chunk's {@code id}, {@code model}, {@code created};
 *   <li>{@code TextDelta}s: {@code delta.content} (CONTENT), {@code delta.refusal} (REFUSAL), the
 *       non-standard {@code delta.reasoning}/{@code delta.reasoning_content} (REASONING);
 *   <li>{@code ToolCallDelta}s from {@code delta.tool_calls} fragments;
 *   <li>at {@code [DONE]}: one {@code UsageReport} (when the upstream sent usage) and {@code Finished}
 *       with the held {@code finish_reason};
 *   <li>{@code Failed} for everything else: an error status (type from the status, {@code upstreamStatus}
 *       and {@code retryAfter} set), a 2xx that is not an event stream, an error object in the stream,
 *       a malformed chunk, a broken connection, a stream that ends without {@code [DONE]} and without a
 *       {@code finish_reason}, a timeout before the headers, or a cancel.
 * </ul>
 *
 * <p>The I/O, timeouts and cancellation are those of every {@link HttpProvider}; this class plugs in
 * the Chat Completions endpoint, the bearer key, {@link OpenAiRequestWriter}, {@link OpenAiChunkDecoder}
 * and {@link OpenAiErrorMapper}.
 */
public final class OpenAiProvider extends HttpProvider<OpenAiConfig> {

  /**
   * A provider that sends through {@code client}, the gateway's one shared client
   * ({@link UpstreamHttp#newClient}); its connect timeout applies, not the configuration's.
   */
  public OpenAiProvider(OpenAiConfig config, HttpClient client) {
    super(config, chatCompletions(config), client);
  }

  /**
   * A provider with a client of its own, built with the configuration's connect timeout: for using
   * the core as a library with a single upstream. A gateway shares one client instead.
   */
  public static OpenAiProvider standalone(OpenAiConfig config) {
    return new OpenAiProvider(config, UpstreamHttp.started(UpstreamHttp.newClient(config.upstream().connectTimeout())));
  }

  /** What Chat Completions plugs into the shared stream: the endpoint, bearer key, writer, decoder and errors. */
  private static HttpUpstream chatCompletions(OpenAiConfig config) {
    if (config == null) throw new IllegalArgumentException("config is required");
    UpstreamConfig upstream = config.upstream();
    String key = upstream.apiKey();
    var errors = new OpenAiErrorMapper(upstream.name(), key);
    return new HttpUpstream(upstream, config.chatCompletionsUri(),
        header -> {
          if (key != null) header.accept("Authorization", "Bearer " + key);
        },
        request -> OpenAiRequestWriter.write(request, config.maxTokensParameter()),
        request -> new OpenAiChunkDecoder(request.model(), errors),
        errors);
  }
}
