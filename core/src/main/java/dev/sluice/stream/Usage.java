package dev.sluice.stream;

/**
 * Token counts for one request. {@code cachedTokens} and {@code cacheWriteTokens} are parts of
 * {@code promptTokens}; {@code reasoningTokens} is part of {@code completionTokens}, as both
 * providers count them.
 *
 * @param estimated true where Sluice counted because the provider gave no usage
 */
public record Usage(
    long promptTokens,
    long completionTokens,
    long cachedTokens,
    long cacheWriteTokens,
    long reasoningTokens,
    boolean estimated) {

  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, false);

  public Usage {
    if (promptTokens < 0 || completionTokens < 0 || cachedTokens < 0 || cacheWriteTokens < 0
        || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts are never negative");
    }
  }

  public static Usage of(long promptTokens, long completionTokens) {
    return new Usage(promptTokens, completionTokens, 0, 0, 0, false);
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
