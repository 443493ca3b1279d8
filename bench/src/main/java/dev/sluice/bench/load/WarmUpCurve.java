package dev.sluice.bench.load;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How fast a freshly started Sluice relays before its JIT has compiled the hot path: {@code
 * concurrency} streams flat out, each client starting its next stream as soon as one ends, and the
 * relayed chunks counted in one-second buckets from the first request on.
 *
 * @param label which JVM (with or without the AOT cache)
 * @param idle the fresh process's RSS a few seconds after start, before any traffic
 * @param chunksPerSecond relayed chunks in each one-second bucket, first second first
 */
record WarmUpCurve(String label, LoadBench.Idle idle, long[] chunksPerSecond) {
  /** The seconds the first and the steady-state windows span (the first and the last ten). */
  static final int WINDOW = 10;

  /** Mean chunks/s over the first {@link #WINDOW} seconds over the mean of the last {@link #WINDOW}. */
  double firstOverSteady() {
    return mean(0) / mean(chunksPerSecond.length - window());
  }

  double firstWindowMean() {
    return mean(0);
  }

  double steadyMean() {
    return mean(chunksPerSecond.length - window());
  }

  int window() {
    return Math.min(WINDOW, chunksPerSecond.length / 3);
  }

  private double mean(int from) {
    long sum = 0;
    for (int i = from; i < from + window(); i++) sum += chunksPerSecond[i];
    return (double) sum / window();
  }

  /** Runs the load against {@code port} (a fresh Sluice's, or the upstream's to warm this process up). */
  static WarmUpCurve measure(String label, LoadBench.Idle idle, int port, BenchUpstream upstream, int seconds,
      int concurrency, int chunks, Progress progress) throws InterruptedException {
    upstream.script(chunks, 0);
    var buckets = new AtomicLongArray(seconds);
    var failures = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    Runnable count = () -> {
      int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
      if (second < seconds) buckets.incrementAndGet(second);
    };
    progress.phase("warm-up curve, " + label, seconds, null);
    var clients = new Thread[concurrency];
    for (int c = 0; c < concurrency; c++) {
      int client = c;
      clients[c] = Thread.ofVirtual().start(() -> {
        for (int n = 0; System.nanoTime() < end; n++) {
          try (var stream = new StreamClient("warmup-" + client + "-" + n + "-" + start, count)) {
            stream.run(port, "/v1/chat/completions", chunks, 0, () -> {});
          } catch (IOException e) {
            failures.incrementAndGet();
          }
        }
      });
    }
    for (Thread t : clients) t.join();
    if (failures.get() > 0) System.err.printf("%nwarm-up curve %s: %d streams failed%n", label, failures.get());
    long[] curve = new long[seconds];
    for (int i = 0; i < seconds; i++) curve[i] = buckets.get(i);
    return new WarmUpCurve(label, idle, curve);
  }
}
