package dev.sluice.provider.anthropic;

import dev.sluice.provider.UpstreamConfig;
import java.net.URI;

/**
 * One upstream that speaks the Anthropic Messages API.
 *
 * @param upstream the settings every upstream has; its {@code baseUrl} is the API root without
 *     {@code /v1}, as Anthropic's SDKs take it in {@code ANTHROPIC_BASE_URL}, e.g.
 *     {@code https://api.anthropic.com}, and its key goes as {@code x-api-key} (none is sent without one:
 *     a local proxy that adds it)
 * @param defaultMaxTokens the {@code max_tokens} to send when the request names none: Anthropic
 *     requires the field, OpenAI-dialect clients usually omit it
 */
public record AnthropicConfig(UpstreamConfig upstream, int defaultMaxTokens) {

  /** The API version Sluice speaks; the wire format in this package is that version's. */
  public static final String API_VERSION = "2023-06-01";
  /** The default for {@link #defaultMaxTokens}: enough for a long answer, below every current model's cap. */
  public static final int DEFAULT_MAX_TOKENS = 4096;
  /** Anthropic's own API root. */
  public static final URI DEFAULT_BASE_URL = URI.create("https://api.anthropic.com");

  public AnthropicConfig {
    if (upstream == null) throw new IllegalArgumentException("upstream is required");
    if (defaultMaxTokens < 1) throw new IllegalArgumentException("defaultMaxTokens must be >= 1");
  }

  /** A configuration with {@link #DEFAULT_MAX_TOKENS}. */
  public AnthropicConfig(UpstreamConfig upstream) {
    this(upstream, DEFAULT_MAX_TOKENS);
  }

  /** {@code {baseUrl}/v1/messages}. */
  public URI messagesUri() {
    return upstream.endpoint("/v1/messages");
  }
}
