package dev.sluice.bench.load;

import java.util.concurrent.CountDownLatch;

/** One progress line on stderr, rewritten in place twice a second. */
final class Progress {
  private volatile String phase = "";
  private volatile int total;
  private volatile CountDownLatch remaining;
  private volatile long since = System.nanoTime();
  private final Thread printer;

  Progress() {
    printer = Thread.ofPlatform().daemon().name("bench-progress").start(() -> {
      while (true) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
        CountDownLatch r = remaining;
        if (r != null) {
          System.err.printf("\r%-24s %6d / %-6d streams", phase, total - r.getCount(), total);
        } else {
          System.err.printf("\r%-24s %6d s             ", phase, (System.nanoTime() - since) / 1_000_000_000L);
        }
      }
    });
  }

  /** A phase that counts streams on {@code latch}, or, with a null latch, one that shows its seconds. */
  void phase(String name, int count, CountDownLatch latch) {
    since = System.nanoTime();
    phase = name;
    total = count;
    remaining = latch;
  }

  void done() {
    printer.interrupt();
    System.err.println();
  }
}
