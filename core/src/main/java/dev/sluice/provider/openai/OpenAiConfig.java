package dev.sluice.provider.openai;

import dev.sluice.provider.UpstreamConfig;
import java.net.URI;

/**
 * One upstream that speaks OpenAI Chat Completions: OpenAI itself or a compatible server (Ollama,
 * vLLM, a proxy).
 *
 * @param upstream the settings every upstream has; its {@code baseUrl} is the API root without the
 *     endpoint, e.g. {@code https://api.openai.com/v1}, and its key goes as a bearer token (none is
 *     sent without one: local servers)
 * @param maxTokensField which request field carries {@code ChatRequest.maxTokens}
 */
public record OpenAiConfig(UpstreamConfig upstream, MaxTokensField maxTokensField) {

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
    if (upstream == null) throw new IllegalArgumentException("upstream is required");
    if (maxTokensField == null) maxTokensField = MaxTokensField.AUTO;
  }

  /** A configuration with {@link MaxTokensField#AUTO}. */
  public OpenAiConfig(UpstreamConfig upstream) {
    this(upstream, MaxTokensField.AUTO);
  }

  /** {@code {baseUrl}/chat/completions}. */
  public URI chatCompletionsUri() {
    return upstream.endpoint("/chat/completions");
  }

  /** The JSON field name for the output cap, after resolving {@link MaxTokensField#AUTO}. */
  public String maxTokensParameter() {
    boolean openAiItself = "api.openai.com".equalsIgnoreCase(upstream.baseUrl().getHost());
    return switch (maxTokensField) {
      case MAX_TOKENS -> "max_tokens";
      case MAX_COMPLETION_TOKENS -> "max_completion_tokens";
      case AUTO -> openAiItself ? "max_completion_tokens" : "max_tokens";
    };
  }
}
