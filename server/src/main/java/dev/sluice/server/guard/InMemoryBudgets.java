package dev.sluice.server.guard;

import dev.sluice.usage.Cost;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Budgets} in this process's memory. A key's spend in its current period is read from the
 * ledger the first time the key is seen (and when a new period starts), then kept up to date here.
 */
public final class InMemoryBudgets implements Budgets {
  /** What a key spent before this process knew of it. */
  @FunctionalInterface
  public interface Spent {
    long since(String keyId, LocalDate fromDay) throws Exception;
  }

  /** One key's current period: what it spent (from the ledger, then counted here) and what is reserved. */
  private static final class State {
    /** Null until the period's spend has been read from the ledger: only then does the key count as loaded. */
    LocalDate periodStart;
    boolean loaded;
    long spent;
    long reserved;
  }

  private static final Logger log = LoggerFactory.getLogger(InMemoryBudgets.class);

  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
  private final Spent spent;

  public InMemoryBudgets(Spent spent) {
    this.spent = spent;
  }

  @Override
  public Refusal reserve(VirtualKey key, long picos, LocalDate today) {
    if (key.budgetPicos() == null) return null;
    State s = states.computeIfAbsent(key.id(), id -> new State());
    synchronized (s) {
      LocalDate start = key.period().start(today);
      if (!s.loaded || !Objects.equals(s.periodStart, start)) {
        // First sight of the key, or a new period: what it spent in this period so far is in the
        // ledger. Reservations of the old period stay with it (they settle against it, see settle).
        long spentSoFar;
        try {
          spentSoFar = spent.since(key.id(), start);
        } catch (Exception e) {
          // Not loaded: the next request reads again; until then the key is refused, never unchecked.
          log.warn("cannot read what key {} spent: {}", key.id(), e.toString());
          return UNCHECKABLE;
        }
        s.periodStart = start;
        s.spent = spentSoFar;
        s.reserved = 0;
        s.loaded = true;
      }
      if (s.spent + s.reserved + picos > key.budgetPicos()) {
        LocalDate next = key.period().next(today);
        Duration wait = next == null ? null
            : Duration.between(Instant.now(), next.atStartOfDay(ZoneOffset.UTC).toInstant());
        return new Refusal("Budget exceeded: this key has " + Cost.format(Math.max(0, key.budgetPicos() - s.spent - s.reserved))
            + " USD left of " + Cost.format(key.budgetPicos()) + " USD per " + key.period().wireName()
            + ", and this request may cost up to " + Cost.format(picos) + " USD.", wait);
      }
      s.reserved += picos;
      return null;
    }
  }

  @Override
  public void settle(VirtualKey key, LocalDate reservedOn, long reservedPicos, long actualPicos) {
    if (key.budgetPicos() == null) return;
    State s = states.get(key.id());
    if (s == null) return;
    synchronized (s) {
      // A request that began in an earlier period settles there: that period is over and its spend
      // is the ledger's; the current period neither gains its cost nor loses its reservation.
      if (!s.loaded || !Objects.equals(s.periodStart, key.period().start(reservedOn))) return;
      s.reserved = Math.max(0, s.reserved - reservedPicos);
      s.spent += actualPicos;
    }
  }
}
