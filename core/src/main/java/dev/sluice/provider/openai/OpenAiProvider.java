package dev.sluice.provider.openai;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ChatRequest;
import java.net.http.HttpClient;
import java.util.List;

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
 * <p>Thread-safe and shared by all requests; each {@link #stream} is read by one thread and may be
 * cancelled from any.
 */
public final class OpenAiProvider implements Provider {

  private final OpenAiConfig config;
  private final HttpClient client;

  /**
   * A provider that sends through {@code client}, the gateway's one shared client
   * ({@link UpstreamHttp#newClient}); its connect timeout applies, not {@link OpenAiConfig#connectTimeout()}.
   */
  public OpenAiProvider(OpenAiConfig config, HttpClient client) {
    if (config == null || client == null) throw new IllegalArgumentException("config and client are required");
    this.config = config;
    this.client = client;
  }

  /**
   * A provider with a client of its own, built with {@link OpenAiConfig#connectTimeout()}: for using
   * the core as a library with a single upstream. A gateway shares one client instead.
   */
  public static OpenAiProvider standalone(OpenAiConfig config) {
    return new OpenAiProvider(config, UpstreamHttp.newClient(config.connectTimeout()));
  }

  /** The configuration this provider was built with. */
  public OpenAiConfig config() {
    return config;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public List<String> models() {
    return config.models();
  }

  @Override
  public EventStream stream(ChatRequest request) {
    if (request == null) throw new IllegalArgumentException("request is required");
    return new OpenAiEventStream(config, client, request);
  }
}
