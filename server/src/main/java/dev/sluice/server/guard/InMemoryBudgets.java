package dev.sluice.server.guard;

import dev.sluice.usage.Cost;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.ConcurrentHashMap;

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

  private static final class State {
    boolean loaded;
    LocalDate periodStart;
    long spent;
    long reserved;
  }

  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
  private final Spent spent;

  public InMemoryBudgets(Spent spent) {
    this.spent = spent;
  }

  @Override
  public Refusal reserve(VirtualKey key, long picos) {
    if (key.budgetPicos() == null) return null;
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    State s = states.computeIfAbsent(key.id(), id -> new State());
    synchronized (s) {
      LocalDate start = key.period().start(today);
      if (!s.loaded || !java.util.Objects.equals(s.periodStart, start)) {
        // First sight of the key, or a new period: what it spent in this period so far is in the ledger.
        s.loaded = true;
        s.periodStart = start;
        s.spent = load(key.id(), start);
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
  public void settle(VirtualKey key, long reservedPicos, long actualPicos) {
    if (key.budgetPicos() == null) return;
    State s = states.get(key.id());
    if (s == null) return;
    synchronized (s) {
      s.reserved = Math.max(0, s.reserved - reservedPicos);
      s.spent += actualPicos;
    }
  }

  private long load(String keyId, LocalDate start) {
    try {
      return spent.since(keyId, start);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read what key " + keyId + " spent: " + e.getMessage(), e);
    }
  }
}
