package dev.sluice.server.guard;

import java.time.LocalDate;
import java.util.Locale;

/** The period a key's USD budget covers: each UTC day, each UTC calendar month, or its whole life. */
public enum BudgetPeriod {
  DAY, MONTH, TOTAL;

  /** The first UTC day of the period holding {@code today}, or null for {@link #TOTAL}. */
  public LocalDate start(LocalDate today) {
    return switch (this) {
      case DAY -> today;
      case MONTH -> today.withDayOfMonth(1);
      case TOTAL -> null;
    };
  }

  /** The first day of the next period, or null for {@link #TOTAL} (a spent total budget never returns). */
  public LocalDate next(LocalDate today) {
    return switch (this) {
      case DAY -> today.plusDays(1);
      case MONTH -> today.withDayOfMonth(1).plusMonths(1);
      case TOTAL -> null;
    };
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The period named {@code name}, or null. */
  public static BudgetPeriod of(String name) {
    for (BudgetPeriod p : values()) if (p.wireName().equals(name)) return p;
    return null;
  }
}
