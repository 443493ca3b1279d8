package dev.sluice.provider.openai;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One upstream that speaks OpenAI Chat Completions: OpenAI itself or a compatible server (Ollama,
 * vLLM, a proxy).
 *
 * @param name the routing name ({@code openai}, {@code ollama}, ...)
 * @param baseUrl the API root without the endpoint, e.g. {@code https://api.openai.com/v1}; a trailing
 *     slash is dropped
 * @param apiKey the bearer token, or null to send no {@code Authorization} header (local servers)
 * @param models the model names to advertise, without the provider prefix
 * @param connectTimeout the connect timeout of a client built for this provider alone
 *     ({@link OpenAiProvider#standalone}); with the gateway's shared client, that client's connect
 *     timeout applies, and {@code headersTimeout} bounds connecting too
 * @param headersTimeout from sending the request to the response headers, connecting included (the
 *     JDK's request timeout); it does not bound reading the body
 * @param maxTokensField which request field carries {@code ChatRequest.maxTokens}
 */
public record OpenAiConfig(
    String name,
    URI baseUrl,
    String apiKey,
    List<String> models,
    Duration connectTimeout,
    Duration headersTimeout,
    MaxTokensField maxTokensField) {

  /**
   * The name of the output cap on the wire. OpenAI deprecated {@code max_tokens} and its reasoning
   * models (o-series, gpt-5) reject it, asking for {@code max_completion_tokens}, which every current
   * OpenAI model accepts. Compatible servers were written against the older field: Ollama's
   * compatibility layer reads only {@code max_tokens}.
   */
  public enum MaxTokensField {
    /** {@code max_completion_tokens} when the host is {@code api.openai.com}, else {@code max_tokens}. */
    AUTO,
    /** Always {@code max_tokens}. */
    MAX_TOKENS,
    /** Always {@code max_completion_tokens} (e.g. Azure OpenAI or a proxy in front of OpenAI). */
    MAX_COMPLETION_TOKENS
  }

  public OpenAiConfig {
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
    if (maxTokensField == null) maxTokensField = MaxTokensField.AUTO;
  }

  /** A configuration with {@link MaxTokensField#AUTO}. */
  public OpenAiConfig(String name, URI baseUrl, String apiKey, List<String> models, Duration connectTimeout,
      Duration headersTimeout) {
    this(name, baseUrl, apiKey, models, connectTimeout, headersTimeout, MaxTokensField.AUTO);
  }

  /** {@code {baseUrl}/chat/completions}. */
  public URI chatCompletionsUri() {
    return URI.create(baseUrl + "/chat/completions");
  }

  /** The JSON field name for the output cap, after resolving {@link MaxTokensField#AUTO}. */
  public String maxTokensParameter() {
    return switch (maxTokensField) {
      case MAX_TOKENS -> "max_tokens";
      case MAX_COMPLETION_TOKENS -> "max_completion_tokens";
      case AUTO -> "api.openai.com".equalsIgnoreCase(baseUrl.getHost()) ? "max_completion_tokens" : "max_tokens";
    };
  }

  /** Never shows the key: configurations end up in logs. */
  @Override
  public String toString() {
    return "OpenAiConfig[name=" + name + ", baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "[redacted]")
        + ", models=" + models + ", connectTimeout=" + connectTimeout + ", headersTimeout=" + headersTimeout
        + ", maxTokensField=" + maxTokensField + "]";
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive");
  }
}
