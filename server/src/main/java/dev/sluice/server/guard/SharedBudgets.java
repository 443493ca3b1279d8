package dev.sluice.server.guard;

import dev.sluice.server.shared.Counters;
import dev.sluice.usage.Cost;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Budgets} on {@link Counters} shared by every instance (Redis): per key and period, one
 * counter of pico-dollars spent plus reserved ({@code budget:<id>:<first day>}, or {@code :total}),
 * to which a reservation is added and checked in one atomic step, so that instances together cannot
 * overshoot a budget beyond what in-flight requests cost over their reservations. A missing counter
 * is seeded with what the ledger says the key spent this period; one instance's seed wins.
 *
 * <p>A counter lives until its period ends, and at most a day: then it is seeded again from the
 * ledger, which clears reservations left by an instance that died mid-request (the cost of that: the
 * requests in flight at that moment are counted at their real cost only once their rows are in the
 * ledger). A reservation settles against the counter of the period it was made in; once that
 * period's counter is gone, the correction is dropped with it.
 * Counters compare in Lua numbers (doubles): exact to the pico-dollar up to about 9,000 USD.
 *
 * <p>Budgets fail closed, whatever {@code redis.on_failure} says for rate limits: while the counters
 * or the ledger (for a seed) cannot be reached, a key with a budget is refused with a retry in a
 * second.
 */
public final class SharedBudgets implements Budgets {
  private static final Logger log = LoggerFactory.getLogger(SharedBudgets.class);
  /** How long a counter may live before it is seeded again from the ledger. */
  private static final Duration RESEED_AFTER = Duration.ofDays(1);

  private final Counters counters;
  private final InMemoryBudgets.Spent spent;

  public SharedBudgets(Counters counters, InMemoryBudgets.Spent spent) {
    this.counters = counters;
    this.spent = spent;
  }

  @Override
  public Refusal reserve(VirtualKey key, long picos, LocalDate today) {
    if (key.budgetPicos() == null) return null;
    Instant now = Instant.now();
    LocalDate start = key.period().start(today);
    LocalDate next = key.period().next(today);
    Instant periodEnd = next == null ? null : next.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant reseed = now.plus(RESEED_AFTER);
    Instant end = periodEnd == null || periodEnd.isAfter(reseed) ? reseed : periodEnd;
    Counters.Decision d;
    try {
      d = counters.hitUntil(counter(key, start), picos, key.budgetPicos(), end, () -> load(key.id(), start));
    } catch (SpendUnreadable e) {
      log.warn("cannot read what key {} spent: {}", key.id(), e.getCause().toString());
      return UNCHECKABLE;
    }
    if (d.count() < 0) return UNCHECKABLE;
    if (d.allowed()) return null;
    return new Refusal("Budget exceeded: this key has " + Cost.format(Math.max(0, key.budgetPicos() - d.count()))
        + " USD left of " + Cost.format(key.budgetPicos()) + " USD per " + key.period().wireName()
        + ", and this request may cost up to " + Cost.format(picos) + " USD.",
        periodEnd == null ? null : Duration.between(now, periodEnd));
  }

  @Override
  public void settle(VirtualKey key, LocalDate reservedOn, long reservedPicos, long actualPicos) {
    if (key.budgetPicos() == null) return;
    counters.adjust(counter(key, key.period().start(reservedOn)), actualPicos - reservedPicos);
  }

  private static String counter(VirtualKey key, LocalDate start) {
    return "budget:" + key.id() + ":" + (start == null ? "total" : start.toString());
  }

  private long load(String keyId, LocalDate start) {
    try {
      return spent.since(keyId, start);
    } catch (Exception e) {
      throw new SpendUnreadable(e);
    }
  }

  /** The ledger could not say what a key spent, so its counter cannot be seeded. */
  private static final class SpendUnreadable extends RuntimeException {
    SpendUnreadable(Exception cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
