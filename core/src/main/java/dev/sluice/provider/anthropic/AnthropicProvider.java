package dev.sluice.provider.anthropic;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ChatRequest;
import java.net.http.HttpClient;
import java.util.List;

/**
 * The adapter for the Anthropic Messages API: a canonical request becomes
 * {@code POST {baseUrl}/v1/messages} with {@code "stream": true}, {@code x-api-key} and
 * {@code anthropic-version: 2023-06-01}, and the upstream's named events become canonical events.
 *
 * <p>The request mapping ({@link AnthropicRequestWriter}): system and developer turns become the
 * top-level {@code system}; tool calls become {@code tool_use} blocks and tool results
 * {@code tool_result} blocks in a user turn (consecutive ones merged); images become {@code base64}
 * or {@code url} sources; {@code max_tokens}, which Anthropic requires, is the request's or
 * {@link AnthropicConfig#defaultMaxTokens()}. Request features Anthropic has no counterpart for
 * (seed, penalties, {@code response_format}, participant names, temperature above 1) fail the stream
 * with an {@code INVALID_REQUEST} before anything is sent, which a client sees as a 400.
 *
 * <p>What comes back ({@link AnthropicEventDecoder}): one {@code Started} from {@code message_start};
 * {@code TextDelta}s from {@code text_delta} (CONTENT) and {@code thinking_delta} (REASONING);
 * {@code ToolCallDelta}s from {@code tool_use} blocks and their {@code input_json_delta}s, numbered
 * 0, 1, ... in order of appearance; {@code UsageReport}s (see the decoder for how Anthropic's usage maps);
 * {@code Finished} at {@code message_stop}; {@code Failed} for an error status, an {@code error}
 * event, a malformed event, a broken connection, a body that ends before {@code message_stop}, or a
 * cancel.
 *
 * <p>Thread-safe and shared by all requests; each {@link #stream} is read by one thread and may be
 * cancelled from any.
 */
public final class AnthropicProvider implements Provider {

  private final AnthropicConfig config;
  private final HttpClient client;

  /** A provider that sends through {@code client}, the gateway's one shared client ({@link UpstreamHttp#newClient}). */
  public AnthropicProvider(AnthropicConfig config, HttpClient client) {
    if (config == null || client == null) throw new IllegalArgumentException("config and client are required");
    this.config = config;
    this.client = client;
  }

  /** A provider with a client of its own, built with {@link AnthropicConfig#connectTimeout()}. */
  public static AnthropicProvider standalone(AnthropicConfig config) {
    return new AnthropicProvider(config, UpstreamHttp.newClient(config.connectTimeout()));
  }

  /** The configuration this provider was built with. */
  public AnthropicConfig config() {
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
    return new AnthropicEventStream(config, client, request);
  }
}
