package dev.sluice.server.config;

import dev.sluice.usage.Price;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model under {@code prices:}, USD per million tokens. Read as exact decimals: Jackson takes a
 * price's digits as written, never through a double.
 */
record PriceEntry(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite) {
  static Map<String, Price> all(Map<String, PriceEntry> entries) {
    var out = new LinkedHashMap<String, Price>();
    entries.forEach((model, entry) -> out.put(model, entry.price("prices." + model)));
    return out;
  }

  private Price price(String path) {
    if (input == null || output == null) throw new ConfigException(path + ": input and output are required");
    return new Price(usd(input, path + ".input"), usd(output, path + ".output"),
        cachedInput == null ? null : usd(cachedInput, path + ".cached_input"),
        cacheWrite == null ? null : usd(cacheWrite, path + ".cache_write"), null);
  }

  private static BigDecimal usd(BigDecimal value, String path) {
    if (value.signum() < 0) throw new ConfigException(path + ": must not be negative");
    return value;
  }
}
