package dev.sluice.bench.load;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** BENCHMARKS.md and the plot, from one run's results. */
final class Report {
  /** Everything from this line on in BENCHMARKS.md is written by hand and kept by each run. */
  static final String KEEP_MARKER = "<!-- Written by hand below: ./sluice bench keeps it. -->";

  private Report() {}

  /** Everything one run measured. */
  record Results(List<LoadBench.Latency> latencies, LoadBench.Throughput throughput, List<LoadBench.Burst> bursts,
      LoadBench.AfterBurst after, List<WarmUpCurve> curves, List<LoadBench.Held> helds, double minutes) {}

  static String burstTable(List<LoadBench.Burst> bursts) {
    var sb = new StringBuilder();
    sb.append("| burst shape (all started at once) | streams/s direct / via Sluice | ratio | TTFT p50 direct / via Sluice (ms) "
        + "| TTFT p99 direct / via Sluice (ms) | Sluice CPU seconds | Sluice peak RSS (MiB) | failed direct / via Sluice |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (LoadBench.Burst b : bursts) {
      LoadBench.Shape s = b.shape();
      sb.append(String.format(Locale.ROOT, "| %,d streams x %d chunks, %s | %.0f / %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f | %.0f | %d / %d |%n",
          s.streams(), s.chunks(), s.delayMs() == 0 ? "no delay" : s.delayMs() + " ms apart",
          b.directStreamsPerSecond(), b.relayedStreamsPerSecond(), b.relayedStreamsPerSecond() / b.directStreamsPerSecond(),
          b.direct().ttft().ms(50), b.relayed().ttft().ms(50), b.direct().ttft().ms(99), b.relayed().ttft().ms(99),
          b.cpuSeconds(), b.peakRssBytes() / 1048576.0, b.direct().failed(), b.relayed().failed()));
    }
    return sb.toString();
  }

  /** Idle RSS and, in brackets, its file-backed part (shared libraries, the mapped AOT cache). */
  private static String idle(LoadBench.Idle idle) {
    return String.format(Locale.ROOT, "%.0f (file-backed %.0f)", idle.rssBytes() / 1048576.0, idle.fileBytes() / 1048576.0);
  }

  static String memoryTable(LoadBench.AfterBurst after, List<WarmUpCurve> curves) {
    var sb = new StringBuilder();
    sb.append("| memory | Sluice RSS (MiB) | ratio to idle |\n|---|---:|---:|\n");
    sb.append(String.format(Locale.ROOT, "| idle, %d s after start, before any traffic | %s | 1.00 |%n",
        LoadBench.IDLE_SECONDS, idle(after.idle())));
    sb.append(String.format(Locale.ROOT, "| %d s after a burst of %,d streams ended | %.0f | %.2f |%n", after.waitSeconds(),
        after.streams(), after.rssBytes() / 1048576.0, (double) after.rssBytes() / after.idle().rssBytes()));
    if (!curves.isEmpty()) sb.append('\n').append(warmUpTable(curves));
    return sb.toString();
  }

  static String warmUpTable(List<WarmUpCurve> curves) {
    var sb = new StringBuilder();
    int window = curves.getFirst().window();
    sb.append(String.format(Locale.ROOT, "| warm-up of a fresh Sluice (50 streams x 200 chunks, flat out) | idle RSS after "
        + "start (MiB) | chunks/s, first %d s | chunks/s, last %d s | first / last |%n|---|---:|---:|---:|---:|%n", window, window));
    for (WarmUpCurve c : curves) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.2f |%n", c.label(), idle(c.idle()),
          c.firstWindowMean(), c.steadyMean(), c.firstOverSteady()));
    }
    return sb.toString();
  }

  static String table(List<LoadBench.Latency> latencies, LoadBench.Throughput t, List<LoadBench.Held> helds) {
    var sb = new StringBuilder();
    sb.append("| streams open | TTFT p50 direct / via Sluice (ms) | TTFT p99 direct / via Sluice (ms) | added TTFT p99 (ms) "
        + "| chunk latency p99 direct / via Sluice (ms) | added chunk latency p99 (ms) |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|\n");
    for (LoadBench.Latency l : latencies) {
      sb.append(String.format(Locale.ROOT, "| %d | %.2f / %.2f | %.2f / %.2f | %.2f | %.2f / %.2f | %.2f |%n", l.streams(),
          l.directTtft().ms(50), l.relayedTtft().ms(50), l.directTtft().ms(99), l.relayedTtft().ms(99),
          l.relayedTtft().ms(99) - l.directTtft().ms(99), l.directChunk().ms(99), l.relayedChunk().ms(99),
          l.relayedChunk().ms(99) - l.directChunk().ms(99)));
    }
    if (t != null) {
    sb.append(String.format(Locale.ROOT, "%n| throughput (%d streams x %d chunks, no delay) | direct | via Sluice | ratio |%n",
        t.streams(), t.chunksPerStream()));
    sb.append("|---|---:|---:|---:|\n");
    sb.append(String.format(Locale.ROOT, "| chunks/s | %.0f | %.0f | %.2f |%n", t.directChunksPerSecond(),
        t.relayedChunksPerSecond(), t.relayedChunksPerSecond() / t.directChunksPerSecond()));
    sb.append(String.format(Locale.ROOT, "| Sluice CPU seconds per 1,000 chunks | | %.4f | |%n", t.cpuSecondsPer1000()));
    }
    sb.append("\n| open streams held at once (h2c connections) | Sluice RSS (MiB) | RSS above idle per stream (KiB) | heap in use / live after GC (MiB) "
        + "| live heap per stream (KiB) | one disconnect -> upstream closed p50 / p99 (ms) | all at once p50 / p99 (ms) |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (LoadBench.Held h : helds) {
      sb.append(String.format(Locale.ROOT, "| %d (%d) | %.0f | %.1f | %.0f / %.0f | %.1f | %.2f / %.2f (%d) | %.1f / %.1f (%d) |%n",
          h.streams(), h.connections(), h.rssBytes() / 1048576.0, (h.rssBytes() - h.baselineRss()) / 1024.0 / h.streams(),
          h.heapBytes() / 1048576.0, h.liveHeapBytes() / 1048576.0, h.liveHeapBytes() / 1024.0 / h.streams(),
          h.cancel().ms(50), h.cancel().ms(99), h.cancel().count(), h.burst().ms(50), h.burst().ms(99), h.burst().count()));
    }
    return sb.toString();
  }

  static void write(LoadBench.Settings s, String args, long fdLimit, int maxHeld, SluiceProcess sluice, Results r)
      throws IOException {
    var md = new StringBuilder();
    md.append("# Sluice benchmarks\n\n");
    md.append("Made by `./sluice bench").append(args.isEmpty() ? "" : " " + args).append("` on ")
        .append(LocalDate.now()).append(String.format(Locale.ROOT, ", which took %.1f minutes", r.minutes()))
        .append(". Rerun it to check; the numbers below are this machine's.\n\n");
    md.append("## Machine\n\n");
    md.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores\n");
    md.append("- memory: ").append(memTotal()).append("\n");
    md.append("- OS: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
        .append("\n");
    md.append("- Java: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append("\n");
    md.append("- open-file limit: ").append(fdLimit).append(" (caps the streams one process can hold at ")
        .append(maxHeld).append(")\n");
    md.append("- Sluice: `").append(String.join(" ", sluice.command.subList(1, sluice.command.size())))
        .append("`, its own process (the flags are `jvm.options`, as `./sluice serve` uses them); fake upstream and "
            + "clients in the bench process, all on loopback\n\n");
    md.append("## Method\n\n");
    md.append("Each upstream chunk carries the `System.nanoTime()` at which the fake upstream wrote it; the clients run "
        + "in the same process, so each chunk's latency is exact. Every latency figure is measured twice in the same "
        + "run, once against the fake upstream directly and once through Sluice; \"added\" is the difference of the "
        + "two percentiles. Latency phase: at each level that many background streams are held open, started "
        + "spread over one chunk period and flowing one chunk every ").append(s.latencyDelayMs()).append(" ms; then "
        + "200 probe streams of ").append(s.latencyChunks()).append(" chunks start one every 25 ms and are timed "
        + "(time to first token, and every chunk's latency). Throughput phase: all streams at once, chunks as fast as "
        + "both ends go. Open-streams phase: streams of 1,000 chunks 500 ms "
        + "apart, held open; RSS and heap (in use, and live after a full GC) are read once all have their first "
        + "chunk; then 200 clients disconnect one at a time, 10 ms apart, while the others stay open, and the fake "
        + "upstream times when its own connection from Sluice closes; then the rest disconnect at once (a burst, "
        + "reported apart). The held streams' clients speak h2c (HTTP/2 with prior knowledge) to Sluice, "
        + H2Streams.STREAMS_PER_CONNECTION + " streams to a connection, so that 10,000 fit the open-file limit; "
        + "a client disconnecting is there a stream reset (RST_STREAM, CANCEL) on a connection that stays open.\n\n"
        + "Burst shapes: each shape's streams all start at once (over HTTP/1.1, a connection each); the shape runs "
        + "once through Sluice unmeasured, then directly, then through Sluice measured: streams per second is the "
        + "shape's streams over the time until the last one ended; Sluice's CPU seconds and its peak RSS (VmRSS "
        + "read every 50 ms) are of the measured run. Memory: idle RSS is read " + LoadBench.IDLE_SECONDS
        + " s after start, before any traffic; then, after the other phases, " + String.format(Locale.ROOT, "%,d",
            s.afterBurstStreams()) + " short streams (20 chunks 50 ms apart) run, and RSS is read "
        + s.afterBurstWaitSeconds() + " s after they ended. Warm-up: a freshly started Sluice (its own process, "
        + "stopped after) is left idle " + LoadBench.IDLE_SECONDS + " s (its idle RSS), then 50 clients run "
        + "streams of 200 chunks flat out, each starting the next as one ends, for " + s.warmUpSeconds()
        + " s; relayed chunks are counted per second. It is done with the AOT cache `./sluice serve` uses (when "
        + "the launcher made one) and without it.\n\n");
    md.append("## Results\n\n").append(table(r.latencies(), r.throughput(), r.helds())).append("\n");
    md.append(burstTable(r.bursts())).append("\n");
    md.append(memoryTable(r.after(), r.curves())).append("\n");
    md.append("![added TTFT vs concurrency; RSS vs open streams](bench/results.png)\n\n");
    md.append("![relayed chunks per second in the first seconds of a fresh Sluice](bench/warmup.png)\n");
    // What people wrote below the marker (targets, analysis, micro-benchmarks) survives a rerun.
    if (Files.isRegularFile(s.out())) {
      String old = Files.readString(s.out());
      int at = old.indexOf(KEEP_MARKER);
      if (at >= 0) md.append('\n').append(old.substring(at));
    }
    Files.writeString(s.out(), md.toString());
    plot(s.plot(), r.latencies(), r.helds());
    plotWarmUp(s.warmUpPlot(), r.curves());
  }

  /** Relayed chunks per second against seconds since the first request, one line per JVM. */
  private static void plotWarmUp(Path file, List<WarmUpCurve> curves) throws IOException {
    var data = new XYSeriesCollection();
    for (WarmUpCurve c : curves) {
      var series = new XYSeries(c.label());
      for (int i = 0; i < c.chunksPerSecond().length; i++) series.add(i + 1, c.chunksPerSecond()[i]);
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Warm-up of a fresh Sluice", "seconds since the first request",
        "relayed chunks/s", data, PlotOrientation.VERTICAL, true, false, false);
    Files.createDirectories(file.toAbsolutePath().getParent());
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
  }

  private static void plot(Path file, List<LoadBench.Latency> latencies, List<LoadBench.Held> helds) throws IOException {
    var ttft = new XYSeries("added TTFT p99 (ms)");
    var ttft50 = new XYSeries("added TTFT p50 (ms)");
    for (LoadBench.Latency l : latencies) {
      ttft.add(l.streams(), l.relayedTtft().ms(99) - l.directTtft().ms(99));
      ttft50.add(l.streams(), l.relayedTtft().ms(50) - l.directTtft().ms(50));
    }
    var ttftData = new XYSeriesCollection();
    ttftData.addSeries(ttft);
    ttftData.addSeries(ttft50);
    JFreeChart left = ChartFactory.createXYLineChart("Time to first token Sluice adds", "concurrent streams",
        "ms", ttftData, PlotOrientation.VERTICAL, true, false, false);
    var rss = new XYSeries("Sluice RSS (MiB)");
    var live = new XYSeries("live heap after GC (MiB)");
    for (LoadBench.Held h : helds) {
      rss.add(h.streams(), h.rssBytes() / 1048576.0);
      live.add(h.streams(), h.liveHeapBytes() / 1048576.0);
    }
    var memory = new XYSeriesCollection(rss);
    memory.addSeries(live);
    JFreeChart right = ChartFactory.createXYLineChart("Memory vs open streams", "open streams", "MiB",
        memory, PlotOrientation.VERTICAL, true, false, false);
    var image = new BufferedImage(1400, 560, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 1400, 560);
    left.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 700, 560));
    right.draw(g, new java.awt.geom.Rectangle2D.Double(700, 0, 700, 560));
    g.dispose();
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private static String cpuModel() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
    }
    return "unknown";
  }

  private static String memTotal() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(line.replaceAll("\\D", "")) / 1048576.0);
      }
    }
    return "unknown";
  }
}
