package dev.sluice.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with a real BPE tokenizer (jtokkit), for usage Sluice must estimate.
 *
 * <p>OpenAI models get their own encoding: {@code o200k_base} for the GPT-4o, GPT-4.1, GPT-5 and
 * o-series families, {@code cl100k_base} for GPT-4 and GPT-3.5. Every other model (Claude, open
 * models behind compatible servers, {@code sim}) is approximated with {@code cl100k_base}: Anthropic
 * publishes no tokenizer for current Claude models, and a modern 100k BPE vocabulary comes within
 * roughly 10 to 20 percent of their counts on English text, far closer than characters / 4. Rows
 * counted here are marked {@code estimated} either way.
 *
 * <p>Encodings are thread-safe and loaded lazily, once.
 */
public final class TokenCounter {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private TokenCounter() {}

  /** The encoding for {@code model} ({@code provider/model} or bare). */
  public static Encoding encodingFor(String model) {
    String bare = model == null ? "" : model.substring(model.indexOf('/') + 1);
    boolean o200k = bare.startsWith("gpt-4o") || bare.startsWith("chatgpt-4o") || bare.startsWith("gpt-4.1")
        || bare.startsWith("gpt-4.5") || bare.startsWith("gpt-5") || bare.startsWith("o1") || bare.startsWith("o3")
        || bare.startsWith("o4") || bare.startsWith("gpt-oss");
    return REGISTRY.getEncoding(o200k ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE);
  }

  /**
   * Loads both encodings now, on a background virtual thread: the first load takes a few hundred ms,
   * which would otherwise delay the final event of the first stream that needs an estimate.
   */
  public static void warmUp() {
    Thread.ofVirtual().name("sluice-tokenizer-warmup").start(() -> {
      REGISTRY.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary("warm");
      REGISTRY.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary("warm");
    });
  }

  /** Tokens of {@code text} as ordinary text (special-token markers count as text, never throw). */
  public static long count(String model, String text) {
    if (text == null || text.isEmpty()) return 0;
    return encodingFor(model).countTokensOrdinary(text);
  }
}
