package dev.sluice.provider.anthropic;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One upstream that speaks the Anthropic Messages API.
 *
 * @param name the routing name ({@code anthropic}, or the name of a {@code kind: anthropic} provider)
 * @param baseUrl the API root without {@code /v1}, as Anthropic's SDKs take it in {@code ANTHROPIC_BASE_URL},
 *     e.g. {@code https://api.anthropic.com}; a trailing slash is dropped
 * @param apiKey the {@code x-api-key} value, or null to send none (a local proxy that adds it)
 * @param models the model names to advertise, without the provider prefix
 * @param connectTimeout the connect timeout of a client built for this provider alone
 * @param headersTimeout from sending the request to the response headers, connecting included
 * @param defaultMaxTokens the {@code max_tokens} to send when the request names none: Anthropic
 *     requires the field, OpenAI-dialect clients usually omit it
 */
public record AnthropicConfig(
    String name,
    URI baseUrl,
    String apiKey,
    List<String> models,
    Duration connectTimeout,
    Duration headersTimeout,
    int defaultMaxTokens) {

  /** The API version Sluice speaks; the wire format in this package is that version's. */
  public static final String API_VERSION = "2023-06-01";
  /** The default for {@link #defaultMaxTokens}: enough for a long answer, below every current model's cap. */
  public static final int DEFAULT_MAX_TOKENS = 4096;
  /** Anthropic's own API root. */
  public static final URI DEFAULT_BASE_URL = URI.create("https://api.anthropic.com");

  public AnthropicConfig {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("name is required");
    if (baseUrl == null || baseUrl.getHost() == null) throw new IllegalArgumentException("baseUrl must be absolute");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("baseUrl must be http or https: " + baseUrl);
    }
    if (baseUrl.getQuery() != null || baseUrl.getFragment() != null) {
      throw new IllegalArgumentException("baseUrl must have no query or fragment: " + baseUrl);
    }
    String text = baseUrl.toString();
    if (text.endsWith("/")) baseUrl = URI.create(text.substring(0, text.length() - 1));
    if (apiKey != null && apiKey.isBlank()) apiKey = null;
    models = models == null ? List.of() : List.copyOf(models);
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(headersTimeout, "headersTimeout");
    if (defaultMaxTokens < 1) throw new IllegalArgumentException("defaultMaxTokens must be >= 1");
  }

  /** A configuration with {@link #DEFAULT_MAX_TOKENS}. */
  public AnthropicConfig(String name, URI baseUrl, String apiKey, List<String> models, Duration connectTimeout,
      Duration headersTimeout) {
    this(name, baseUrl, apiKey, models, connectTimeout, headersTimeout, DEFAULT_MAX_TOKENS);
  }

  /** {@code {baseUrl}/v1/messages}. */
  public URI messagesUri() {
    return URI.create(baseUrl + "/v1/messages");
  }

  /** Never shows the key: configurations end up in logs. */
  @Override
  public String toString() {
    return "AnthropicConfig[name=" + name + ", baseUrl=" + baseUrl + ", apiKey="
        + (apiKey == null ? "none" : "[redacted]") + ", models=" + models + ", connectTimeout=" + connectTimeout
        + ", headersTimeout=" + headersTimeout + ", defaultMaxTokens=" + defaultMaxTokens + "]";
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive");
  }
}
