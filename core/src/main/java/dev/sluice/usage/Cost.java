package dev.sluice.usage;

import dev.sluice.stream.Usage;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Exact costs. A cost is held as a whole number of pico-dollars (10^-12 USD): every price with up to
 * six decimals per million tokens gives a whole number of pico-dollars per token, so sums over any
 * number of rows stay exact in a 64-bit integer column (up to about 9 million USD per row). Never a
 * double.
 */
public final class Cost {
  /** Pico-dollars per USD-per-million-tokens unit: USD/1e6 tokens expressed in 1e-12 USD. */
  private static final int PICO_PER_MICRO_SHIFT = 6;

  private Cost() {}

  /**
   * The cost of {@code usage} at {@code price}, in pico-dollars. Cached and cache-write tokens are
   * parts of the prompt and are billed at their own prices; the rest of the prompt at {@code input}.
   * A price with more than six decimals is rounded half-even to the pico-dollar.
   */
  public static long picos(Price price, Usage usage) {
    long uncached = Math.max(0, usage.promptTokens() - usage.cachedTokens() - usage.cacheWriteTokens());
    BigDecimal usdPerMillion = price.input().multiply(BigDecimal.valueOf(uncached))
        .add(price.cachedInput().multiply(BigDecimal.valueOf(usage.cachedTokens())))
        .add(price.cacheWrite().multiply(BigDecimal.valueOf(usage.cacheWriteTokens())))
        .add(price.output().multiply(BigDecimal.valueOf(usage.completionTokens())));
    // (USD per 1e6 tokens) x tokens = 1e-6 USD = 1e6 pico-USD.
    return usdPerMillion.movePointRight(PICO_PER_MICRO_SHIFT).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
  }

  /** Pico-dollars as USD, exact. */
  public static BigDecimal usd(long picos) {
    return BigDecimal.valueOf(picos, 12);
  }

  /** USD as a whole number of pico-dollars (half-even below a pico-dollar). */
  public static long picos(BigDecimal usd) {
    return usd.movePointRight(12).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
  }

  /**
   * A decimal string for JSON: exact, at least six decimals ({@code "0.005970"}), more only where the
   * value needs them.
   */
  public static String format(long picos) {
    BigDecimal usd = usd(picos).stripTrailingZeros();
    if (usd.scale() < 6) usd = usd.setScale(6);
    return usd.toPlainString();
  }
}
