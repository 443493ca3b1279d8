package dev.sluice.dialect.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.stream.Usage;
import java.io.IOException;

/**
 * Anthropic's {@code usage} object from canonical usage. Canonical {@code promptTokens} includes the
 * tokens read from and written to the prompt cache (OpenAI's convention); Anthropic's
 * {@code input_tokens} excludes them, so they are subtracted here and reported in their own fields.
 * Reasoning tokens stay inside {@code output_tokens}, as Anthropic counts thinking.
 */
final class AnthropicUsage {
  private AnthropicUsage() {}

  static void write(JsonGenerator g, Usage usage) throws IOException {
    g.writeStartObject();
    g.writeNumberField("input_tokens", Math.max(0, usage.promptTokens() - usage.cachedTokens() - usage.cacheWriteTokens()));
    g.writeNumberField("cache_creation_input_tokens", usage.cacheWriteTokens());
    g.writeNumberField("cache_read_input_tokens", usage.cachedTokens());
    g.writeNumberField("output_tokens", usage.completionTokens());
    g.writeEndObject();
  }
}
