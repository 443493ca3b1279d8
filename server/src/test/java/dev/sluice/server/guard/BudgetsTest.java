package dev.sluice.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.shared.MemoryCounters;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Budgets in memory and on shared counters: loading, failing closed and periods. */
class BudgetsTest {
  /** Today and yesterday (UTC): shared counters live until the real end of their period. */
  private static final LocalDate DAY_TWO = LocalDate.now(ZoneOffset.UTC);
  private static final LocalDate DAY_ONE = DAY_TWO.minusDays(1);

  private static VirtualKey dailyBudget(long picos) {
    return new VirtualKey("key_1", "k", "sk-sluice-...abcd", picos, BudgetPeriod.DAY, null, null, List.of(), 0, null);
  }

  @Test
  void aLedgerErrorOnFirstSightRefusesAndTheNextRequestReadsTheSpendAgain() {
    var reads = new AtomicInteger();
    var budgets = new InMemoryBudgets((id, day) -> {
      if (reads.incrementAndGet() == 1) throw new SQLException("the ledger does not answer");
      return 90;
    });
    VirtualKey key = dailyBudget(100);
    assertThat(budgets.reserve(key, 20, DAY_ONE)).isEqualTo(Budgets.UNCHECKABLE);
    // Read again: 90 spent, so 20 more does not fit (a key marked loaded at 0 would have been admitted).
    assertThat(budgets.reserve(key, 20, DAY_ONE)).isNotNull().extracting(Refusal::message).asString()
        .contains("Budget exceeded");
    assertThat(budgets.reserve(key, 10, DAY_ONE)).isNull();
    assertThat(reads.get()).isEqualTo(2);
  }

  @Test
  void aReservationSettlesAgainstThePeriodItWasMadeIn() {
    var budgets = new InMemoryBudgets((id, day) -> 0);
    VirtualKey key = dailyBudget(100);
    assertThat(budgets.reserve(key, 60, DAY_ONE)).isNull();
    // A new day: yesterday's reservation is not today's.
    assertThat(budgets.reserve(key, 60, DAY_TWO)).isNull();
    // Yesterday's request ends today: it settles against yesterday, and today keeps its own 60.
    budgets.settle(key, DAY_ONE, 60, 60);
    assertThat(budgets.reserve(key, 40, DAY_TWO)).isNull();
    assertThat(budgets.reserve(key, 1, DAY_TWO)).isNotNull();
  }

  @Test
  void sharedBudgetsSettleAgainstTheCounterOfThePeriodTheReservationWasMadeIn() {
    try (var counters = new MemoryCounters()) {
      var budgets = new SharedBudgets(counters, (id, day) -> 0);
      VirtualKey key = dailyBudget(100);
      assertThat(budgets.reserve(key, 60, DAY_TWO)).isNull();
      // A request reserved on day one and ending on day two gives its difference back to day one only.
      budgets.settle(key, DAY_ONE, 50, 0);
      assertThat(budgets.reserve(key, 40, DAY_TWO)).isNull();
      assertThat(budgets.reserve(key, 1, DAY_TWO)).isNotNull();
    }
  }

  @Test
  void sharedBudgetsRefuseWhileTheLedgerCannotSeedACounter() {
    try (var counters = new MemoryCounters()) {
      var budgets = new SharedBudgets(counters, (id, day) -> {
        throw new SQLException("the ledger does not answer");
      });
      assertThat(budgets.reserve(dailyBudget(100), 1, DAY_ONE)).isEqualTo(Budgets.UNCHECKABLE);
    }
  }
}
