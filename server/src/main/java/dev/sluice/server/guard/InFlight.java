package dev.sluice.server.guard;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests in flight per party (a key's id, a client's address), at most {@code max} each. A
 * party's count is removed when it falls to zero, so the map holds only parties with requests
 * running now.
 */
final class InFlight {
  private final int max;
  private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

  InFlight(int max) {
    this.max = max;
  }

  /** Counts one more request of {@code party}; false, counting nothing, when it already has {@code max}. */
  boolean enter(String party) {
    var entered = new boolean[1];
    counts.compute(party, (p, n) -> {
      int held = n == null ? 0 : n;
      if (held >= max) return n;
      entered[0] = true;
      return held + 1;
    });
    return entered[0];
  }

  /** One request of {@code party} ended. */
  void leave(String party) {
    counts.computeIfPresent(party, (p, n) -> n == 1 ? null : n - 1);
  }

  /** Requests counted now, over all parties. */
  int total() {
    int sum = 0;
    for (int n : counts.values()) sum += n;
    return sum;
  }
}
