package dev.sluice.server.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.config.Accounting;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.usage.Cost;
import dev.sluice.usage.Price;
import dev.sluice.usage.PriceTable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Admission: reservations priced at the worst model that may answer, settled with the real cost. */
class GuardTest {
  private static final ChatRequest REQUEST = new ChatRequest("smart",
      List.of(Message.text(Role.USER, "Tell me something short.")), List.of(), null, null, 100, List.of(), null, true,
      false, null, null);

  private static VirtualKey key(String budgetUsd) {
    return new VirtualKey("key_1", "k", "sk-sluice-...abcd", Cost.picos(new BigDecimal(budgetUsd)), BudgetPeriod.TOTAL,
        null, null, List.of(), 0, null);
  }

  private static Guard guard(Budgets budgets) {
    // "smart" targets a cheap model but may fall back to an expensive one.
    return new Guard(null, Accounting.DEFAULT, budgets, new InMemoryLimits(), PriceTable.bundled(),
        Map.of("smart", "openai/gpt-4o-mini"), Map.of("smart", List.of("anthropic/claude-opus-4-1")), StreamCaps.NONE);
  }

  private static Caller caller(VirtualKey key) {
    return new Caller.Key(key);
  }

  @Test
  void reservesAtTheHighestPriceAmongTheTargetAndItsFallbacks() throws Exception {
    // 100 completion tokens at claude-opus-4-1's 75 USD per million alone are 0.0075 USD; at the target's
    // (gpt-4o-mini) price the whole request would be under 0.0001 USD and fit.
    VirtualKey small = key("0.005");
    assertThatThrownBy(() -> guard(new InMemoryBudgets((id, day) -> 0)).admit(caller(small), null, REQUEST))
        .isInstanceOf(GatewayException.class).hasMessageContaining("Budget exceeded");
    VirtualKey enough = key("0.01");
    var budgets = new InMemoryBudgets((id, day) -> 0);
    guard(budgets).admit(caller(enough), null, REQUEST);
    // A second request does not fit beside the first one's reservation while it runs.
    assertThatThrownBy(() -> guard(budgets).admit(caller(enough), null, REQUEST)).isInstanceOf(GatewayException.class);
  }

  @Test
  void aKeyWithoutABudgetOrLimitsIsAlwaysAdmitted() throws Exception {
    var open = new VirtualKey("key_2", "k", "sk-sluice-...abcd", null, BudgetPeriod.MONTH, null, null, List.of(), 0, null);
    Guard g = guard(new InMemoryBudgets((id, day) -> 0));
    assertThatCode(() -> {
      for (int i = 0; i < 100; i++) g.admit(caller(open), null, REQUEST);
    }).doesNotThrowAnyException();
  }

  private static ChatRequest requestFor(String model) {
    return new ChatRequest(model, List.of(Message.text(Role.USER, "hi")), List.of(), null, null, 10, List.of(), null, true,
        false, null, null);
  }

  @Test
  void refusesAKeyWithABudgetAModelWithNoPrice() {
    Guard g = new Guard(null, Accounting.DEFAULT, new InMemoryBudgets((id, day) -> 0), new InMemoryLimits(),
        PriceTable.bundled(), Map.of(), Map.of(), StreamCaps.NONE);
    assertThatThrownBy(() -> g.admit(caller(key("1")), null, requestFor("openai/o1-pro")))
        .isInstanceOfSatisfying(GatewayException.class, e -> {
          assertThat(e.error().httpStatus()).isEqualTo(403);
          assertThat(e.error().code()).isEqualTo("model_not_priced");
          assertThat(e.error().message()).contains("'openai/o1-pro' has no price");
        });
  }

  @Test
  void refusesAKeyWithABudgetWhenAFallbackHasNoPrice() {
    Guard g = new Guard(null, Accounting.DEFAULT, new InMemoryBudgets((id, day) -> 0), new InMemoryLimits(),
        PriceTable.bundled(), Map.of(), Map.of("openai/gpt-4o-mini", List.of("compat/local-model")), StreamCaps.NONE);
    assertThatThrownBy(() -> g.admit(caller(key("1")), null, requestFor("openai/gpt-4o-mini")))
        .isInstanceOfSatisfying(GatewayException.class,
            e -> assertThat(e.error().message()).contains("'compat/local-model' has no price"));
  }

  @Test
  void admitsAnUnpricedModelThatTheOperatorPricedAtZeroOrForAKeyWithoutABudget() {
    var zero = new Price(BigDecimal.ZERO, BigDecimal.ZERO, null, null, null);
    Guard priced = new Guard(null, Accounting.DEFAULT, new InMemoryBudgets((id, day) -> 0), new InMemoryLimits(),
        PriceTable.withOverrides(Map.of("compat/local-model", zero)), Map.of(), Map.of(), StreamCaps.NONE);
    assertThatCode(() -> priced.admit(caller(key("0.000001")), null, requestFor("compat/local-model"))).doesNotThrowAnyException();
    var noBudget = new VirtualKey("key_3", "k", "sk-sluice-...abcd", null, BudgetPeriod.MONTH, null, null, List.of(), 0, null);
    Guard bundled = new Guard(null, Accounting.DEFAULT, new InMemoryBudgets((id, day) -> 0), new InMemoryLimits(),
        PriceTable.bundled(), Map.of(), Map.of(), StreamCaps.NONE);
    assertThatCode(() -> bundled.admit(caller(noBudget), null, requestFor("compat/local-model"))).doesNotThrowAnyException();
  }
}
