package dev.sluice.usage;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * What one model costs, in USD per million tokens.
 *
 * @param input uncached prompt tokens
 * @param output completion tokens (reasoning included: both providers bill it as output)
 * @param cachedInput prompt tokens read from the provider's prompt cache
 * @param cacheWrite prompt tokens written to the cache (Anthropic bills them above {@code input};
 *     OpenAI does not charge extra, so its rows repeat {@code input})
 * @param checked when the price was last checked against the provider's price page, or null for a
 *     price from configuration
 */
public record Price(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite,
    LocalDate checked) {

  public static final Price FREE = new Price(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, null);

  public Price {
    if (input == null || output == null) throw new IllegalArgumentException("input and output prices are required");
    if (cachedInput == null) cachedInput = input;
    if (cacheWrite == null) cacheWrite = input;
    for (BigDecimal p : new BigDecimal[] {input, output, cachedInput, cacheWrite}) {
      if (p.signum() < 0) throw new IllegalArgumentException("prices are never negative");
    }
  }
}
