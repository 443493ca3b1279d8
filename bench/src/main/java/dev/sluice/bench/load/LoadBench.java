package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load benchmark behind {@code ./sluice bench}: a fast fake upstream in this process, Sluice in
 * its own, and many concurrent streams measured through Sluice and, in the same run, against the
 * same upstream directly. Writes BENCHMARKS.md and a PNG plot.
 *
 * <p>Phases: (1) latency at several concurrency levels: time to first token and per-chunk latency,
 * direct and relayed; (2) throughput: chunks per second as fast as both sides go, and Sluice's CPU
 * time per 1,000 chunks; (3) open streams: many slow streams held at once, Sluice's RSS and heap at
 * each level, then every client disconnects mid-stream and the upstream times how long until its
 * own connection from Sluice closed.
 */
public final class LoadBench {
  record Latency(int streams, Stats directTtft, Stats relayedTtft, Stats directChunk, Stats relayedChunk) {}

  record Throughput(int streams, int chunksPerStream, double directChunksPerSecond, double relayedChunksPerSecond,
      double cpuSecondsPer1000) {}

  record Held(int streams, long rssBytes, long heapBytes, long liveHeapBytes, long baselineRss, Stats cancel, Stats burst) {}

  record Settings(List<Integer> latencyLevels, int latencyChunks, long latencyDelayMs, int throughputStreams,
      int throughputChunks, List<Integer> heldLevels, Path out, Path plot) {}

  private final Settings settings;
  private final BenchUpstream upstream;
  private final SluiceProcess sluice;
  private final Progress progress = new Progress();

  private LoadBench(Settings settings, BenchUpstream upstream, SluiceProcess sluice) {
    this.settings = settings;
    this.upstream = upstream;
    this.sluice = sluice;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    long fdLimit = FdLimit.current();
    // Sluice holds two descriptors per stream (client and upstream), this process two (client and
    // fake upstream); keep a margin for everything else each process has open.
    int maxHeld = (int) Math.max(100, (fdLimit - 1000) / 2);
    List<Integer> held = new ArrayList<>();
    for (int level : quick ? List.of(200, 500) : List.of(1000, 2500, 5000, 7500, 10_000)) {
      if (level <= maxHeld) held.add(level);
    }
    if (!quick && !held.contains(maxHeld) && maxHeld < 10_000) held.add(maxHeld);
    List<Integer> latencyLevels = quick ? List.of(50, 100) : List.of(100, 250, 500, 1000);
    // --levels 1,10,100: the latency phase's concurrency levels, for a closer look at one range.
    int levels = List.of(args).indexOf("--levels");
    if (levels >= 0 && levels + 1 < args.length) {
      latencyLevels = java.util.Arrays.stream(args[levels + 1].split(",")).map(Integer::valueOf).toList();
    }
    // --held 1000,5000: the open-streams levels; --only-held: skip the other phases (a closer look).
    int heldArg = List.of(args).indexOf("--held");
    if (heldArg >= 0 && heldArg + 1 < args.length) {
      held = java.util.Arrays.stream(args[heldArg + 1].split(",")).map(Integer::valueOf).toList();
    }
    // 50 ms between chunks: 20 tokens a second per stream, the pace of a large hosted model.
    var settings = new Settings(latencyLevels, 20, 50,
        quick ? 20 : 100, quick ? 100 : 500, held, Path.of("BENCHMARKS.md"), Path.of("bench", "results.png"));
    Path jar = Path.of("server", "target", "sluice.jar");
    var jvmFlags = new ArrayList<>(List.of("-XX:+UseZGC"));
    // --jfr FILE: record Sluice with Java Flight Recorder's profiling settings, to see where time goes.
    int jfr = List.of(args).indexOf("--jfr");
    if (jfr >= 0 && jfr + 1 < args.length) {
      jvmFlags.add("-XX:StartFlightRecording=filename=" + args[jfr + 1] + ",settings=profile");
    }
    try (var upstream = new BenchUpstream(); var sluice = SluiceProcess.start(jar, upstream.port(), jvmFlags)) {
      var bench = new LoadBench(settings, upstream, sluice);
      bench.run(String.join(" ", args), fdLimit, maxHeld);
    }
  }

  private void run(String args, long fdLimit, int maxHeld) throws Exception {
    long baselineRss = sluice.rssBytes();
    warmUp();
    if (args.contains("--only-held")) {
      var helds = new ArrayList<Held>();
      for (int level : settings.heldLevels()) helds.add(hold(level, baselineRss));
      progress.done();
      System.out.println(Report.table(List.of(), null, helds));
      return;
    }
    upstream.script(settings.throughputChunks(), 0);
    Run direct = streams("throughput direct", settings.throughputStreams(), upstream.port(), "/v1/chat/completions",
        settings.throughputChunks());
    double cpuBefore = sluice.cpuSeconds();
    Run relayed = streams("throughput via Sluice", settings.throughputStreams(), sluice.port, "/v1/chat/completions",
        settings.throughputChunks());
    double cpu = sluice.cpuSeconds() - cpuBefore;
    var throughput = new Throughput(settings.throughputStreams(), settings.throughputChunks(),
        direct.chunks() / direct.seconds(), relayed.chunks() / relayed.seconds(), cpu / relayed.chunks() * 1000);
    var latencies = new ArrayList<Latency>();
    for (int level : settings.latencyLevels()) {
      Run alone = underLoad("latency direct", level, upstream.port());
      Run through = underLoad("latency via Sluice", level, sluice.port);
      latencies.add(new Latency(level, alone.ttft(), through.ttft(), alone.chunk(), through.chunk()));
    }
    var helds = new ArrayList<Held>();
    for (int level : settings.heldLevels()) helds.add(hold(level, baselineRss));
    progress.done();
    Report.write(settings, args, fdLimit, maxHeld, sluice, latencies, throughput, helds);
    System.out.println(Report.table(latencies, throughput, helds));
    System.out.println("wrote " + settings.out() + " and " + settings.plot());
  }

  /** Enough traffic for the JIT to compile the relay path before anything is measured. */
  private void warmUp() throws Exception {
    upstream.script(200, 0);
    for (int i = 0; i < 10; i++) streams("warm-up", 100, sluice.port, "/v1/chat/completions", 200);
    streams("warm-up direct", 100, upstream.port(), "/v1/chat/completions", 200);
  }

  record Run(Stats ttft, Stats chunk, long chunks, double seconds) {}

  private static final int PROBES = 200;
  private static final long PROBE_INTERVAL_MS = 25;

  /**
   * Time to first token and chunk latency while {@code background} other streams are open: the
   * background streams start spread over one chunk period and keep flowing (one chunk every
   * {@code latencyDelayMs}), so their chunks arrive spread out as real traffic does, not in
   * lock-step; then {@link #PROBES} short streams start one every {@link #PROBE_INTERVAL_MS} ms and
   * are timed. The same is done against the upstream directly and through Sluice.
   */
  private Run underLoad(String phase, int background, int port) throws Exception {
    long delay = TimeUnit.MILLISECONDS.toNanos(settings.latencyDelayMs());
    long probeWindowMs = PROBES * PROBE_INTERVAL_MS + settings.latencyChunks() * settings.latencyDelayMs() + 2_000;
    upstream.script((int) (probeWindowMs / settings.latencyDelayMs()) + 50, delay);
    var held = new ArrayList<StreamClient>();
    var opened = new CountDownLatch(background);
    var failures = new AtomicInteger();
    progress.phase(phase + " (load)", background, opened);
    long stamp = System.nanoTime();
    for (int i = 0; i < background; i++) {
      var client = new StreamClient("load-" + i + "-" + stamp);
      held.add(client);
      Thread.ofVirtual().start(() -> {
        try {
          client.run(port, "/v1/chat/completions", 0, Integer.MAX_VALUE, opened::countDown);
        } catch (IOException e) {
          // Closing the background streams at the end of the phase ends their reads here.
          if (opened.getCount() > 0) failures.incrementAndGet();
        }
      });
      LockSupport.parkNanos(delay / Math.max(1, background)); // spread the starts over one chunk period
    }
    if (!opened.await(2, TimeUnit.MINUTES) || failures.get() > 0) {
      throw new IllegalStateException(phase + ": background streams did not open");
    }
    upstream.script(settings.latencyChunks(), delay);
    var ttfts = Collections.synchronizedList(new ArrayList<long[]>());
    var lats = Collections.synchronizedList(new ArrayList<long[]>());
    var done = new CountDownLatch(PROBES);
    var failed = new AtomicInteger();
    progress.phase(phase, PROBES, done);
    for (int i = 0; i < PROBES; i++) {
      String id = "probe-" + i + "-" + stamp;
      Thread.ofVirtual().start(() -> {
        var client = new StreamClient(id);
        try (client) {
          StreamClient.Result r = client.run(port, "/v1/chat/completions", settings.latencyChunks(), 0, () -> {});
          if (!r.completed()) failed.incrementAndGet();
          ttfts.add(new long[] {r.ttftNanos()});
          lats.add(r.latencies());
        } catch (IOException e) {
          failed.incrementAndGet();
        } finally {
          done.countDown();
        }
      });
      Thread.sleep(PROBE_INTERVAL_MS);
    }
    done.await(2, TimeUnit.MINUTES);
    for (StreamClient c : held) c.close();
    if (failed.get() > 0) throw new IllegalStateException(phase + ": " + failed.get() + " probes failed");
    return new Run(Stats.of(ttfts), Stats.of(lats), 0, 0);
  }

  /** {@code count} concurrent streams read to their end. */
  private Run streams(String phase, int count, int port, String path, int chunks) throws Exception {
    var ttfts = Collections.synchronizedList(new ArrayList<long[]>());
    var lats = Collections.synchronizedList(new ArrayList<long[]>());
    var total = new AtomicLong();
    var failed = new AtomicInteger();
    var done = new CountDownLatch(count);
    progress.phase(phase, count, done);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String id = phase.replace(' ', '-') + "-" + i + "-" + start;
      Thread.ofVirtual().start(() -> {
        var client = new StreamClient(id);
        try {
          StreamClient.Result r = client.run(port, path, chunks, 0, () -> {});
          if (!r.completed() || r.chunks() != chunks) failed.incrementAndGet();
          ttfts.add(new long[] {r.ttftNanos()});
          lats.add(r.latencies());
          total.addAndGet(r.chunks());
        } catch (IOException e) {
          failed.incrementAndGet();
        } finally {
          try {
            client.close();
          } catch (IOException ignored) {
            // Closing a finished stream's socket; nothing to measure.
          }
          done.countDown();
        }
      });
    }
    if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException(phase + ": streams did not finish");
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failed.get() > 0) throw new IllegalStateException(phase + ": " + failed.get() + " of " + count + " streams failed");
    return new Run(Stats.of(ttfts), Stats.of(lats), total.get(), seconds);
  }

  /** Holds {@code count} slow streams open at once, measures Sluice, then disconnects them all. */
  private Held hold(int count, long baselineRss) throws Exception {
    upstream.script(1_000, TimeUnit.MILLISECONDS.toNanos(500));
    upstream.clientLeftAt.clear();
    var clients = new ConcurrentHashMap<String, StreamClient>();
    var open = new CountDownLatch(count);
    var failed = new AtomicInteger();
    progress.phase("open streams", count, open);
    long stamp = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String id = "held-" + count + "-" + i + "-" + stamp;
      var client = new StreamClient(id);
      clients.put(id, client);
      Thread.ofVirtual().start(() -> {
        try {
          client.run(sluice.port, "/v1/chat/completions", 1, 1, open::countDown);
        } catch (IOException e) {
          failed.incrementAndGet();
          open.countDown();
        }
      });
      if (i % 250 == 249) Thread.sleep(20); // a ramp, so the accept queue never overflows
    }
    if (!open.await(5, TimeUnit.MINUTES)) throw new IllegalStateException("streams did not open");
    if (failed.get() > 0) {
      // Near the open-file limit a connection can fail to open; the level is reported for those that did.
      System.err.printf("%nopen streams %d: %d failed to open; measuring the %d that did%n", count, failed.get(),
          count - failed.get());
      clients.values().removeIf(c -> !c.connected());
      count = clients.size();
    }
    long rss = sluice.rssBytes();
    long heap = sluice.heapUsedBytes();
    long live = sluice.liveHeapBytes();
    // Single disconnects while the others stay open: up to 200 clients leave one at a time, 10 ms
    // apart, each timed to its own upstream connection closing. Then the rest leave at once, a burst.
    var ids = new ArrayList<>(clients.keySet());
    int sample = Math.min(200, count);
    long[] single = new long[sample];
    int seenSingle = 0;
    for (int i = 0; i < sample; i++) {
      String id = ids.get(i);
      long closedAt = System.nanoTime();
      clients.get(id).close();
      long deadline = closedAt + TimeUnit.SECONDS.toNanos(5);
      Long left;
      while ((left = upstream.clientLeftAt.get(id)) == null && System.nanoTime() < deadline) LockSupport.parkNanos(50_000);
      if (left != null) single[seenSingle++] = left - closedAt;
      Thread.sleep(10);
    }
    var closedAt = new ConcurrentHashMap<String, Long>();
    for (String id : ids.subList(sample, ids.size())) {
      closedAt.put(id, System.nanoTime());
      clients.get(id).close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    // Count only this level's streams: closes of earlier phases' streams may still be arriving.
    while (closedAt.keySet().stream().filter(upstream.clientLeftAt::containsKey).count() < closedAt.size()
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long[] burst = new long[closedAt.size()];
    int n = 0;
    for (var e : closedAt.entrySet()) {
      Long left = upstream.clientLeftAt.get(e.getKey());
      if (left != null) burst[n++] = left - e.getValue();
    }
    int unseen = (sample - seenSingle) + (closedAt.size() - n);
    if (unseen > 0) System.err.printf("%nopen streams %d: %d upstream connections were not seen closing%n", count, unseen);
    return new Held(count, rss, heap, live, baselineRss, new Stats(java.util.Arrays.copyOf(single, seenSingle)),
        new Stats(java.util.Arrays.copyOf(burst, n)));
  }

}
