package dev.sluice.usage;

import dev.sluice.stream.Usage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prices per model: the bundled table ({@code prices.tsv} next to this class: current OpenAI and
 * Anthropic models, each with the date it was checked) under the operator's overrides from
 * {@code sluice.yaml}.
 *
 * <p>Lookup of {@code provider/model}: an override for exactly that, then for the bare model; then
 * the bundled row of the bare model, else, for a dated snapshot, of the model it is a snapshot of:
 * {@code gpt-4o-mini-2024-07-18} and {@code claude-sonnet-4-5-20250929} find {@code gpt-4o-mini} and
 * {@code claude-sonnet-4-5}. Only a date suffix is stripped: {@code o1-pro} and {@code gpt-5-pro} are
 * other products at other prices, and find none.
 * {@code sim} models cost nothing. A model with no price has no cost (null): the ledger leaves it
 * empty rather than invent one.
 */
public final class PriceTable {
  public static final String SIM = "sim";
  private static final String RESOURCE = "prices.tsv";
  /** A model name ending in a snapshot date: OpenAI's {@code -2024-07-18}, Anthropic's {@code -20250929}. */
  private static final Pattern DATED_SNAPSHOT = Pattern.compile("(.+)-(?:\\d{4}-\\d{2}-\\d{2}|\\d{8})");

  private final Map<String, Price> bundled;
  private final Map<String, Price> overrides;

  private PriceTable(Map<String, Price> bundled, Map<String, Price> overrides) {
    this.bundled = bundled;
    this.overrides = Map.copyOf(overrides);
  }

  /** The bundled table with {@code overrides} (keys {@code provider/model} or bare model names) on top. */
  public static PriceTable withOverrides(Map<String, Price> overrides) {
    return new PriceTable(Bundled.TABLE, overrides);
  }

  public static PriceTable bundled() {
    return withOverrides(Map.of());
  }

  /** The price of {@code qualifiedModel} ({@code provider/model}, or a bare name), or null if unknown. */
  public Price price(String qualifiedModel) {
    if (qualifiedModel == null) return null;
    int slash = qualifiedModel.indexOf('/');
    String provider = slash > 0 ? qualifiedModel.substring(0, slash) : null;
    String bare = slash > 0 ? qualifiedModel.substring(slash + 1) : qualifiedModel;
    Price p = overrides.get(qualifiedModel);
    if (p == null) p = overrides.get(bare);
    if (p != null) return p;
    if (SIM.equals(provider)) return Price.FREE;
    p = bundled.get(bare);
    if (p != null) return p;
    Matcher dated = DATED_SNAPSHOT.matcher(bare);
    return dated.matches() ? bundled.get(dated.group(1)) : null;
  }

  /** The cost in pico-dollars ({@link Cost}), or null when the model has no price. */
  public Long picos(String qualifiedModel, Usage usage) {
    Price p = price(qualifiedModel);
    return p == null ? null : Cost.picos(p, usage);
  }

  /** The cost in USD, exact, or null when the model has no price. */
  public BigDecimal usd(String qualifiedModel, Usage usage) {
    Long picos = picos(qualifiedModel, usage);
    return picos == null ? null : Cost.usd(picos);
  }

  /** Parsed once, on first use. */
  private static final class Bundled {
    static final Map<String, Price> TABLE = load();

    private static Map<String, Price> load() {
      var table = new HashMap<String, Price>();
      try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
        if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isBlank() || line.startsWith("#")) continue;
          String[] f = line.split("\t");
          if (f.length != 6) throw new IllegalStateException(RESOURCE + ": expected 6 tab-separated fields: " + line);
          table.put(f[0], new Price(new BigDecimal(f[1]), new BigDecimal(f[2]), new BigDecimal(f[3]),
              new BigDecimal(f[4]), LocalDate.parse(f[5])));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return Map.copyOf(table);
    }
  }
}
