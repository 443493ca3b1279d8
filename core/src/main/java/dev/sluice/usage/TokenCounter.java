package dev.sluice.usage;

/**
 * Counts tokens with a real BPE tokenizer, for usage Sluice must estimate.
 *
 * <p>OpenAI models get their own encoding: {@code o200k_base} for the GPT-4o, GPT-4.1, GPT-5 and
 * o-series families, {@code cl100k_base} for GPT-4 and GPT-3.5. Every other model (Claude, open
 * models behind compatible servers, {@code sim}) is approximated with {@code cl100k_base}: Anthropic
 * publishes no tokenizer for current Claude models, and a modern 100k BPE vocabulary comes within
 * roughly 10 to 20 percent of their counts on English text, far closer than characters / 4. Rows
 * counted here are marked {@code estimated} either way.
 *
 * <p>Counting is Sluice's own ({@link BpeEncoding}), with jtokkit's counts: jtokkit held each
 * vocabulary in hash maps of boxed keys and values, 36.5 MB of live heap for the two, where flat
 * arrays take 6.4 MB ({@link BpeVocabulary}). Each vocabulary is loaded at its first count, once,
 * not at start: a gateway that never estimates holds neither, and the load (60 to 150 ms)
 * delays one count of the process's life, never a first token (a stream's count starts after
 * thousands of characters of its answer, or at its end).
 */
public final class TokenCounter {
  private TokenCounter() {}

  /** The encoding for {@code model} ({@code provider/model} or bare); loads nothing. */
  static BpeEncoding encodingFor(String model) {
    String bare = model == null ? "" : model.substring(model.indexOf('/') + 1);
    boolean o200k = bare.startsWith("gpt-4o") || bare.startsWith("chatgpt-4o") || bare.startsWith("gpt-4.1")
        || bare.startsWith("gpt-4.5") || bare.startsWith("gpt-5") || bare.startsWith("o1") || bare.startsWith("o3")
        || bare.startsWith("o4") || bare.startsWith("gpt-oss");
    return o200k ? BpeEncoding.O200K_BASE : BpeEncoding.CL100K_BASE;
  }

  /** Tokens of {@code text} as ordinary text (special-token markers count as text, never throw). */
  public static long count(String model, String text) {
    if (text == null || text.isEmpty()) return 0;
    return encodingFor(model).count(text);
  }
}
