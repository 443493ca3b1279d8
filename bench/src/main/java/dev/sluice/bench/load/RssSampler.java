package dev.sluice.bench.load;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sluice's peak resident set size during one measured run. VmHWM in {@code /proc/<pid>/status} is
 * the peak over the process's whole life, so it cannot tell one run from the ones before: this reads
 * VmRSS every {@value #PERIOD_MS} ms while the run lasts and keeps the largest.
 */
final class RssSampler implements AutoCloseable {
  private static final long PERIOD_MS = 50;
  private final AtomicLong peak = new AtomicLong();
  private final Thread sampler;

  RssSampler(SluiceProcess sluice) {
    sampler = Thread.ofPlatform().daemon().name("bench-rss-sampler").start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          peak.accumulateAndGet(sluice.rssBytes(), Math::max);
          Thread.sleep(PERIOD_MS);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
  }

  /** The largest VmRSS seen so far, bytes. */
  long peakBytes() {
    return peak.get();
  }

  @Override
  public void close() throws InterruptedException {
    sampler.interrupt();
    sampler.join();
  }
}
