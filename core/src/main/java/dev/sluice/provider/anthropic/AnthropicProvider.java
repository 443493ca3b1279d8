package dev.sluice.provider.anthropic;

import dev.sluice.provider.HttpProvider;
import dev.sluice.provider.HttpUpstream;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamHttp;
import org.eclipse.jetty.client.HttpClient;

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
 * <p>The I/O, timeouts and cancellation are those of every {@link HttpProvider}; this class plugs in
 * the Messages endpoint, the key and version headers, the writer, the decoder and {@link AnthropicErrorMapper}.
 */
public final class AnthropicProvider extends HttpProvider<AnthropicConfig> {

  /** A provider that sends through {@code client}, the gateway's one shared client ({@link UpstreamHttp#newClient}). */
  public AnthropicProvider(AnthropicConfig config, HttpClient client) {
    super(config, messages(config), client);
  }

  /** A provider with a client of its own, built with the configuration's connect timeout. */
  public static AnthropicProvider standalone(AnthropicConfig config) {
    return new AnthropicProvider(config, UpstreamHttp.started(UpstreamHttp.newClient(config.upstream().connectTimeout())));
  }

  /** What Messages plugs into the shared stream: the endpoint, version and key headers, writer, decoder and errors. */
  private static HttpUpstream messages(AnthropicConfig config) {
    if (config == null) throw new IllegalArgumentException("config is required");
    UpstreamConfig upstream = config.upstream();
    String key = upstream.apiKey();
    var errors = new AnthropicErrorMapper(upstream.name(), key);
    return new HttpUpstream(upstream, config.messagesUri(),
        header -> {
          header.accept("anthropic-version", AnthropicConfig.API_VERSION);
          if (key != null) header.accept("x-api-key", key);
        },
        request -> AnthropicRequestWriter.write(request, config.defaultMaxTokens()),
        request -> new AnthropicEventDecoder(request.model(), errors),
        errors);
  }
}
