package dev.sluice.bench.load;

import java.util.concurrent.CountDownLatch;

/** One progress line on stderr, rewritten in place twice a second. */
final class Progress {
  private volatile String phase = "";
  private volatile int total;
  private volatile CountDownLatch remaining;
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
        }
      }
    });
  }

  void phase(String name, int count, CountDownLatch latch) {
    phase = name;
    total = count;
    remaining = latch;
  }

  void done() {
    printer.interrupt();
    System.err.println();
  }
}
