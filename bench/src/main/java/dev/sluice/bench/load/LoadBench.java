package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The load benchmark behind {@code ./sluice bench}: a fast fake upstream in this process, Sluice in
 * its own (started with the flags and AOT cache {@code ./sluice serve} uses, see {@link JvmFlags}),
 * and many concurrent streams measured through Sluice and, in the same run, against the same
 * upstream directly. Writes BENCHMARKS.md and PNG plots.
 *
 * <p>Phases: (0) warm-up curves: a freshly started Sluice (with the AOT cache and, to compare,
 * without), its idle RSS, then relayed chunks per second over its first seconds of load; (1)
 * latency at several concurrency levels: time to first token and per-chunk latency, direct and
 * relayed; (2) throughput: chunks per second as fast as both sides go, and Sluice's CPU time per
 * 1,000 chunks; (3) burst shapes: many streams started at once, streams per second, TTFT, CPU and
 * peak RSS; (4) memory given back: RSS a while after a burst of short streams ended, against idle;
 * (5) open streams: many slow streams held at once over h2c, Sluice's RSS and heap at each level,
 * then every client resets its stream and the upstream times how long until its own connection
 * from Sluice closed.
 */
public final class LoadBench {
  record Latency(int streams, Stats directTtft, Stats relayedTtft, Stats directChunk, Stats relayedChunk) {}

  record Throughput(int streams, int chunksPerStream, double directChunksPerSecond, double relayedChunksPerSecond,
      double cpuSecondsPer1000) {}

  record Held(int streams, int connections, long rssBytes, long heapBytes, long liveHeapBytes, long baselineRss,
      Stats cancel, Stats burst) {}

  /** A burst shape: {@code streams} started at once, each {@code chunks} chunks {@code delayMs} apart. */
  record Shape(int streams, int chunks, long delayMs) {}

  /** One burst shape measured: direct, then through Sluice (whose CPU and peak RSS are that run's). */
  record Burst(Shape shape, Run direct, Run relayed, double cpuSeconds, long peakRssBytes) {
    double directStreamsPerSecond() {
      return shape.streams() / direct.seconds();
    }

    double relayedStreamsPerSecond() {
      return shape.streams() / relayed.seconds();
    }
  }

  /** RSS {@code waitSeconds} after a burst of {@code streams} short streams ended, against idle. */
  record AfterBurst(Idle idle, int streams, int waitSeconds, long rssBytes) {}

  /** RSS {@link #IDLE_SECONDS} after start, before any traffic, and the file-backed part of it. */
  record Idle(long rssBytes, long fileBytes) {}

  record Settings(List<Integer> latencyLevels, int latencyChunks, long latencyDelayMs, int throughputStreams,
      int throughputChunks, List<Shape> shapes, int afterBurstStreams, int afterBurstWaitSeconds, int warmUpSeconds,
      List<Integer> heldLevels, int histoLevel, Path out, Path plot, Path warmUpPlot) {}

  /** How long a fresh Sluice is left alone before its idle RSS is read. */
  static final int IDLE_SECONDS = 10;

  private final Settings settings;
  private final BenchUpstream upstream;
  private final SluiceProcess sluice;
  private final Progress progress;

  private LoadBench(Settings settings, BenchUpstream upstream, SluiceProcess sluice, Progress progress) {
    this.settings = settings;
    this.upstream = upstream;
    this.sluice = sluice;
    this.progress = progress;
  }

  public static void main(String[] args) throws Exception {
    long began = System.nanoTime();
    List<String> argList = List.of(args);
    boolean quick = argList.contains("--quick");
    long fdLimit = FdLimit.current();
    // Held streams come over h2c, 100 to a connection: Sluice holds one descriptor per stream (to the
    // upstream) and one per client connection, this process the same (the fake upstream's side and
    // the client connections); keep a margin for everything else each process has open.
    int maxHeld = (int) Math.max(100, (fdLimit - 1000) * H2Streams.STREAMS_PER_CONNECTION
        / (H2Streams.STREAMS_PER_CONNECTION + 1));
    // Streams over HTTP/1.1 (bursts) hold two descriptors per stream in each process.
    int maxHttp1 = (int) Math.max(100, (fdLimit - 1000) / 2);
    List<Integer> held = new ArrayList<>();
    for (int level : quick ? List.of(200, 500) : List.of(1000, 2500, 5000, 7500, 10_000)) {
      if (level <= maxHeld) held.add(level);
    }
    if (!quick && !held.contains(maxHeld) && maxHeld < 10_000) held.add(maxHeld);
    List<Integer> latencyLevels = quick ? List.of(50, 100) : List.of(100, 250, 500, 1000);
    // --levels 1,10,100: the latency phase's concurrency levels, for a closer look at one range.
    String levels = option(args, "--levels");
    if (levels != null) latencyLevels = Arrays.stream(levels.split(",")).map(Integer::valueOf).toList();
    // --held 1000,5000: the open-streams levels; --only-held: skip the other phases (a closer look).
    String heldArg = option(args, "--held");
    if (heldArg != null) held = Arrays.stream(heldArg.split(",")).map(Integer::valueOf).toList();
    // --histo N: at held level N, the top of Sluice's live heap histogram to bench/histo-N.txt.
    String histo = option(args, "--histo");
    int histoLevel = histo == null ? -1 : Integer.parseInt(histo);
    if (histoLevel > 0 && !held.contains(histoLevel)) {
      held = new ArrayList<>(held);
      held.add(histoLevel);
      held.sort(null);
    }
    List<Shape> shapes = new ArrayList<>();
    for (Shape shape : quick ? List.of(new Shape(50, 200, 0), new Shape(200, 50, 20), new Shape(500, 20, 100))
        : List.of(new Shape(50, 200, 0), new Shape(500, 50, 20), new Shape(2000, 100, 100))) {
      if (shape.streams() > maxHttp1) {
        System.err.printf("burst of %d streams does not fit the open-file limit %d; %d instead%n", shape.streams(),
            fdLimit, maxHttp1);
        shape = new Shape(maxHttp1, shape.chunks(), shape.delayMs());
      }
      shapes.add(shape);
    }
    // 50 ms between chunks: 20 tokens a second per stream, the pace of a large hosted model.
    var settings = new Settings(latencyLevels, 20, 50, quick ? 20 : 100, quick ? 100 : 500, shapes,
        Math.min(quick ? 1000 : 5000, maxHttp1), quick ? 20 : 60, quick ? 15 : 30, held, histoLevel,
        Path.of("BENCHMARKS.md"), Path.of("bench", "results.png"), Path.of("bench", "warmup.png"));
    Path jar = Path.of("server", "target", "sluice.jar");
    // --no-aot: Sluice without the AOT cache, as if the launcher had not made one.
    boolean cache = !argList.contains("--no-aot") && JvmFlags.cacheFits(jar);
    var jvmFlags = new ArrayList<>(JvmFlags.serve(jar, cache));
    // --jfr FILE: record Sluice with Java Flight Recorder's profiling settings, to see where time goes.
    String jfr = option(args, "--jfr");
    if (jfr != null) jvmFlags.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    boolean onlyHeld = argList.contains("--only-held");
    boolean memoryOnly = argList.contains("--only-memory");
    // --only-latency: the latency phase alone (after the JIT warm-up), to compare settings quickly.
    boolean latencyOnly = argList.contains("--only-latency");
    // --only-throughput: the throughput phase alone (after the JIT warm-up): chunks/s and CPU per chunk.
    boolean throughputOnly = argList.contains("--only-throughput");
    var progress = new Progress();
    try (var upstream = new BenchUpstream()) {
      var curves = new ArrayList<WarmUpCurve>();
      if (!onlyHeld && !memoryOnly && !latencyOnly && !throughputOnly) {
        // The same load against the upstream directly first, so that this process's own clients and
        // fake upstream are compiled before the first fresh Sluice is timed.
        WarmUpCurve.measure("bench itself", null, upstream.port(), upstream, 10, 50, 200, progress);
        curves.add(freshCurve(cache ? "with the AOT cache" : "without an AOT cache", JvmFlags.serve(jar, cache), jar,
            upstream, settings, progress));
        if (cache) {
          curves.add(freshCurve("without the AOT cache", JvmFlags.serve(jar, false), jar, upstream, settings, progress));
        }
      }
      if (argList.contains("--only-warmup")) {
        // --only-warmup: the warm-up curves alone, to compare JVM settings or the AOT cache quickly.
        progress.done();
        System.out.println(Report.warmUpTable(curves));
        for (WarmUpCurve c : curves) System.out.println(c.label() + ": " + Arrays.toString(c.chunksPerSecond()));
        return;
      }
      try (var sluice = SluiceProcess.start(jar, upstream.port(), jvmFlags)) {
        var bench = new LoadBench(settings, upstream, sluice, progress);
        if (latencyOnly) {
          bench.latencyOnly();
        } else if (throughputOnly) {
          bench.throughputOnly();
        } else {
          bench.run(String.join(" ", args), fdLimit, maxHeld, onlyHeld, memoryOnly, curves, began);
        }
      }
    }
  }

  /** The value after {@code name} in {@code args}, or null. */
  private static String option(String[] args, String name) {
    int at = List.of(args).indexOf(name);
    return at >= 0 && at + 1 < args.length ? args[at + 1] : null;
  }

  /** A Sluice started for this alone: its idle RSS, then its first seconds under load; then stopped. */
  private static WarmUpCurve freshCurve(String label, List<String> flags, Path jar, BenchUpstream upstream,
      Settings settings, Progress progress) throws Exception {
    try (var fresh = SluiceProcess.start(jar, upstream.port(), flags)) {
      Idle idle = idleRss(fresh, progress);
      return WarmUpCurve.measure(label, idle, fresh.port, upstream, settings.warmUpSeconds(), 50, 200, progress);
    }
  }

  /** RSS after {@link #IDLE_SECONDS} without traffic. */
  private static Idle idleRss(SluiceProcess sluice, Progress progress) throws IOException, InterruptedException {
    progress.phase("idle after start", 0, null);
    Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
    return new Idle(sluice.rssBytes(), sluice.rssFileBytes());
  }

  private void run(String args, long fdLimit, int maxHeld, boolean onlyHeld, boolean memoryOnly, List<WarmUpCurve> curves,
      long began)
      throws Exception {
    Idle idle = idleRss(sluice, progress);
    long baselineRss = idle.rssBytes();
    if (memoryOnly) {
      // --only-memory: idle RSS and RSS after a burst alone, to compare JVM settings quickly.
      AfterBurst after = afterBurst(idle);
      progress.done();
      System.out.println(Report.memoryTable(after, curves));
      return;
    }
    warmUp();
    if (onlyHeld) {
      var helds = new ArrayList<Held>();
      for (int level : settings.heldLevels()) helds.add(hold(level, baselineRss));
      progress.done();
      System.out.println(Report.table(List.of(), null, helds));
      return;
    }
    Throughput throughput = throughput();
    List<Latency> latencies = latencies();
    var bursts = new ArrayList<Burst>();
    for (Shape shape : settings.shapes()) bursts.add(burst(shape));
    AfterBurst after = afterBurst(idle);
    var helds = new ArrayList<Held>();
    for (int level : settings.heldLevels()) helds.add(hold(level, baselineRss));
    progress.done();
    double minutes = (System.nanoTime() - began) / 60e9;
    var results = new Report.Results(latencies, throughput, bursts, after, curves, helds, minutes);
    Report.write(settings, args, fdLimit, maxHeld, sluice, results);
    System.out.println(Report.table(latencies, throughput, helds));
    System.out.println(Report.burstTable(bursts) + "\n" + Report.memoryTable(after, curves));
    System.out.printf(Locale.ROOT, "wrote %s, %s and %s in %.1f minutes%n", settings.out(), settings.plot(),
        settings.warmUpPlot(), minutes);
  }

  /** All streams at once, chunks as fast as both ends go: directly, then through Sluice, timed with its CPU. */
  private Throughput throughput() throws Exception {
    upstream.script(settings.throughputChunks(), 0);
    Run direct = streams("throughput direct", settings.throughputStreams(), upstream.port(), settings.throughputChunks());
    double cpuBefore = sluice.cpuSeconds();
    Run relayed = streams("throughput via Sluice", settings.throughputStreams(), sluice.port,
        settings.throughputChunks());
    double cpu = sluice.cpuSeconds() - cpuBefore;
    return new Throughput(settings.throughputStreams(), settings.throughputChunks(),
        direct.chunks() / direct.seconds(), relayed.chunks() / relayed.seconds(), cpu / relayed.chunks() * 1000);
  }

  /** The throughput phase alone, after the JIT warm-up: its table on standard output. */
  private void throughputOnly() throws Exception {
    warmUp();
    Throughput throughput = throughput();
    progress.done();
    System.out.println(Report.table(List.of(), throughput, List.of()));
  }

  /** At each latency level, the probes against the upstream directly, then through Sluice. */
  private List<Latency> latencies() throws Exception {
    var latencies = new ArrayList<Latency>();
    for (int level : settings.latencyLevels()) {
      Run alone = underLoad("latency direct", level, upstream.port());
      Run through = underLoad("latency via Sluice", level, sluice.port);
      latencies.add(new Latency(level, alone.ttft(), through.ttft(), alone.chunk(), through.chunk()));
    }
    return latencies;
  }

  /** The latency phase alone, after the JIT warm-up: its table on standard output. */
  private void latencyOnly() throws Exception {
    warmUp();
    List<Latency> latencies = latencies();
    progress.done();
    System.out.println(Report.table(latencies, null, List.of()));
  }

  /** Enough traffic for the JIT to compile the relay path before anything is measured. */
  private void warmUp() throws Exception {
    upstream.script(200, 0);
    for (int i = 0; i < 10; i++) streams("warm-up", 100, sluice.port, 200);
    streams("warm-up direct", 100, upstream.port(), 200);
  }

  /** Streams run: their TTFTs and chunk latencies, chunks relayed, seconds, and how many failed. */
  record Run(Stats ttft, Stats chunk, long chunks, double seconds, int failed) {}

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
    return new Run(Stats.of(ttfts), Stats.of(lats), 0, 0, 0);
  }

  /** {@code count} concurrent streams, all started at once, each read to its end; every one must complete. */
  private Run streams(String phase, int count, int port, int chunks) throws Exception {
    Run run = streams(phase, count, port, chunks, false);
    if (run.failed() > 0) throw new IllegalStateException(phase + ": " + run.failed() + " of " + count + " streams failed");
    return run;
  }

  /**
   * {@code count} concurrent streams read to their end, all started at once, or with {@code ramp} in
   * steps of 250 every 20 ms (so the accept queue never overflows, for thousands of streams). Failed
   * streams are counted and the first failure is printed.
   */
  private Run streams(String phase, int count, int port, int chunks, boolean ramp) throws Exception {
    var firstFailure = new AtomicReference<String>();
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
          StreamClient.Result r = client.run(port, "/v1/chat/completions", chunks, 0, () -> {});
          if (!r.completed() || r.chunks() != chunks) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, "ended after " + r.chunks() + " of " + chunks + " chunks");
          }
          ttfts.add(new long[] {r.ttftNanos()});
          lats.add(r.latencies());
          total.addAndGet(r.chunks());
        } catch (IOException e) {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, e.toString());
        } finally {
          try {
            client.close();
          } catch (IOException ignored) {
            // Closing a finished stream's socket; nothing to measure.
          }
          done.countDown();
        }
      });
      if (ramp && i % 250 == 249) Thread.sleep(20);
    }
    if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException(phase + ": streams did not finish");
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failed.get() > 0) {
      System.err.printf("%n%s: %d of %d streams failed; the first: %s%n", phase, failed.get(), count, firstFailure.get());
    }
    return new Run(Stats.of(ttfts), Stats.of(lats), total.get(), seconds, failed.get());
  }

  /**
   * One burst shape: run once through Sluice unmeasured (so the JIT has compiled what it needs), then
   * against the upstream directly, then through Sluice while its CPU time and RSS are read.
   */
  private Burst burst(Shape shape) throws Exception {
    upstream.script(shape.chunks(), TimeUnit.MILLISECONDS.toNanos(shape.delayMs()));
    String name = "burst " + shape.streams() + "x" + shape.chunks();
    // A stream failing in a burst is counted and reported with the shape, not fatal to the whole run.
    streams(name + " warm-up", shape.streams(), sluice.port, shape.chunks(), false);
    Run direct = streams(name + " direct", shape.streams(), upstream.port(), shape.chunks(), false);
    double cpuBefore = sluice.cpuSeconds();
    Run relayed;
    long peak;
    try (var rss = new RssSampler(sluice)) {
      relayed = streams(name + " via Sluice", shape.streams(), sluice.port, shape.chunks(), false);
      peak = rss.peakBytes();
    }
    return new Burst(shape, direct, relayed, sluice.cpuSeconds() - cpuBefore, peak);
  }

  /**
   * Memory given back: a burst of short streams (20 chunks 50 ms apart, started in a quick ramp so
   * they overlap), then {@code afterBurstWaitSeconds} without traffic, then RSS.
   */
  private AfterBurst afterBurst(Idle idle) throws Exception {
    int count = settings.afterBurstStreams();
    upstream.script(20, TimeUnit.MILLISECONDS.toNanos(50));
    // Memory is what is measured here: a few streams failing under the burst is reported, not fatal.
    streams("burst before the wait", count, sluice.port, 20, true);
    progress.phase("waiting after the burst", 0, null);
    Thread.sleep(TimeUnit.SECONDS.toMillis(settings.afterBurstWaitSeconds()));
    return new AfterBurst(idle, count, settings.afterBurstWaitSeconds(), sluice.rssBytes());
  }

  /**
   * Holds {@code count} slow streams open at once over h2c, measures Sluice, then resets them: first
   * one at a time, then all at once.
   */
  private Held hold(int count, long baselineRss) throws Exception {
    int level = count;
    upstream.script(1_000, TimeUnit.MILLISECONDS.toNanos(500));
    upstream.clientLeftAt.clear();
    try (var h2 = new H2Streams(sluice.port)) {
      var open = new CountDownLatch(count);
      var failed = new AtomicInteger();
      var streams = new ArrayList<H2Streams.Open>(count);
      progress.phase("open streams (h2c)", count, open);
      long stamp = System.nanoTime();
      for (int i = 0; i < count; i++) {
        H2Streams.Open stream = h2.open("held-" + count + "-" + i + "-" + stamp);
        streams.add(stream);
        stream.first().whenComplete((ok, error) -> {
          if (error != null) failed.incrementAndGet();
          open.countDown();
        });
        if (i % 250 == 249) Thread.sleep(20); // a ramp, as a real crowd arrives
      }
      if (!open.await(5, TimeUnit.MINUTES)) throw new IllegalStateException("streams did not open");
      if (failed.get() > 0) {
        Throwable first = streams.stream().filter(s -> s.first().isCompletedExceptionally()).findFirst()
            .map(s -> s.first().exceptionNow()).orElse(null);
        System.err.printf("%nopen streams %d: %d failed to open (the first: %s); measuring the %d that did%n", count,
            failed.get(), first, count - failed.get());
        streams.removeIf(s -> s.first().isCompletedExceptionally());
        count = streams.size();
      }
      long rss = sluice.rssBytes();
      long heap = sluice.heapUsedBytes();
      long live = sluice.liveHeapBytes();
      if (level == settings.histoLevel()) {
        Path file = Path.of("bench", "histo-" + settings.histoLevel() + ".txt");
        Files.write(file, sluice.heapHistogram(40));
        System.err.printf("%nwrote %s%n", file);
      }
      // Single resets while the others stay open: up to 200 clients leave one at a time, 10 ms apart,
      // each timed to its own upstream connection closing. Then the rest leave at once, a burst.
      int sample = Math.min(200, count);
      long[] single = new long[sample];
      int seenSingle = 0;
      for (H2Streams.Open stream : streams.subList(0, sample)) {
        long closedAt = System.nanoTime();
        H2Streams.reset(stream);
        long deadline = closedAt + TimeUnit.SECONDS.toNanos(5);
        Long left;
        while ((left = upstream.clientLeftAt.get(stream.id())) == null && System.nanoTime() < deadline) {
          LockSupport.parkNanos(50_000);
        }
        if (left != null) single[seenSingle++] = left - closedAt;
        Thread.sleep(10);
      }
      var closedAt = new ConcurrentHashMap<String, Long>();
      for (H2Streams.Open stream : streams.subList(sample, streams.size())) {
        closedAt.put(stream.id(), System.nanoTime());
        H2Streams.reset(stream);
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
      return new Held(count, h2.connections(), rss, heap, live, baselineRss,
          new Stats(Arrays.copyOf(single, seenSingle)), new Stats(Arrays.copyOf(burst, n)));
    }
  }
}
