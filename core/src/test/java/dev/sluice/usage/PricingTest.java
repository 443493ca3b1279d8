package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.Usage;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PricingTest {
  private final PriceTable table = PriceTable.bundled();

  @Test
  void pricesDatedModelNamesByTheirFamily() {
    assertThat(table.price("openai/gpt-4o-mini-2024-07-18")).isEqualTo(table.price("gpt-4o-mini"));
    assertThat(table.price("openai/gpt-4o-2024-08-06")).isEqualTo(table.price("gpt-4o"));
    assertThat(table.price("anthropic/claude-sonnet-4-5-20250929").output()).isEqualByComparingTo("15");
    assertThat(table.price("anthropic/claude-sonnet-4-5-20250929").checked()).isNotNull();
    assertThat(table.price("ollama/llama3.2")).isNull();
  }

  @Test
  void aDifferentProductIsNotPricedAsTheModelItsNameStartsWith() {
    // o1-pro and gpt-5-pro cost many times o1 and gpt-5: only a date suffix names a snapshot.
    assertThat(table.price("openai/o1-pro")).isNull();
    assertThat(table.price("gpt-5-pro")).isNull();
    assertThat(table.price("gpt-4o-mini-search-preview")).isNull();
    assertThat(table.price("claude-opus-4-1-beta")).isNull();
    assertThat(table.price("gpt-5-pro-2025-10-06")).isNull();
    assertThat(table.price("claude-opus-4-20250514")).isEqualTo(table.price("claude-opus-4"));
  }

  @Test
  void simCostsNothing() {
    assertThat(table.usd("sim/chat", Usage.of(1_000_000, 1_000_000))).isEqualByComparingTo("0");
  }

  @Test
  void costIsExactWithCachedAndCacheWriteTokensAtTheirOwnPrices() {
    // gpt-4o-mini: 0.15 in, 0.60 out, 0.075 cached, per million.
    Usage usage = new Usage(1_000, 333, 200, 0, 0, false);
    // 800 * 0.15 + 200 * 0.075 + 333 * 0.60 = 120 + 15 + 199.8 = 334.8 micro-dollars.
    assertThat(table.usd("openai/gpt-4o-mini", usage)).isEqualByComparingTo(new BigDecimal("0.0003348"));
    // claude-haiku-4-5: 1 in, 5 out, 0.10 cache read, 1.25 cache write.
    Usage claude = new Usage(1_000, 10, 100, 400, 0, false);
    // 500 * 1 + 100 * 0.10 + 400 * 1.25 + 10 * 5 = 500 + 10 + 500 + 50 = 1060 micro-dollars.
    assertThat(table.usd("anthropic/claude-haiku-4-5", claude)).isEqualByComparingTo("0.00106");
  }

  @Test
  void sumsOfManySmallCostsStayExact() {
    long sum = 0;
    for (int i = 0; i < 100_000; i++) sum += table.picos("gpt-4o-mini", Usage.of(1, 1));
    // 100,000 x (0.15 + 0.60) micro-dollars, exactly.
    assertThat(Cost.usd(sum)).isEqualByComparingTo("0.075");
    assertThat(Cost.format(sum)).isEqualTo("0.075000");
    assertThat(Cost.format(7)).isEqualTo("0.000000000007");
  }

  @Test
  void overridesWinOverTheBundledTable() {
    var custom = PriceTable.withOverrides(Map.of(
        "openai/gpt-4o-mini", new Price(new BigDecimal("1"), new BigDecimal("2"), null, null, null),
        "llama3.2", new Price(new BigDecimal("0.01"), new BigDecimal("0.02"), null, null, null)));
    assertThat(custom.usd("openai/gpt-4o-mini", Usage.of(1_000_000, 1_000_000))).isEqualByComparingTo("3");
    assertThat(custom.usd("ollama/llama3.2", Usage.of(1_000_000, 0))).isEqualByComparingTo("0.01");
    assertThat(custom.usd("gpt-4o", Usage.of(1_000_000, 0))).isEqualByComparingTo("2.5");
  }
}
