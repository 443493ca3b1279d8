package dev.sluice.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.stream.Usage;
import java.io.IOException;

/** OpenAI's {@code usage} object, details included so cached and reasoning tokens survive translation. */
final class OpenAiUsage {
  private OpenAiUsage() {}

  static void write(JsonGenerator g, Usage usage) throws IOException {
    g.writeStartObject();
    g.writeNumberField("prompt_tokens", usage.promptTokens());
    g.writeNumberField("completion_tokens", usage.completionTokens());
    g.writeNumberField("total_tokens", usage.totalTokens());
    g.writeObjectFieldStart("prompt_tokens_details");
    g.writeNumberField("cached_tokens", usage.cachedTokens());
    g.writeEndObject();
    g.writeObjectFieldStart("completion_tokens_details");
    g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
    g.writeEndObject();
    g.writeEndObject();
  }
}
