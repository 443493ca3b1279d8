package dev.sluice.bench.load;

import java.util.Arrays;

/** Percentiles of a sample, nearest-rank. */
final class Stats {
  private final long[] sorted;

  Stats(long[] values) {
    sorted = values.clone();
    Arrays.sort(sorted);
  }

  static Stats of(java.util.List<long[]> parts) {
    int n = 0;
    for (long[] p : parts) n += p.length;
    long[] all = new long[n];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return new Stats(all);
  }

  int count() {
    return sorted.length;
  }

  /** The p-th percentile (0 < p <= 100) in ms. */
  double ms(double p) {
    if (sorted.length == 0) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)] / 1e6;
  }
}
