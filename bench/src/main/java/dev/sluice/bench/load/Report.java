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
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** BENCHMARKS.md and the plot, from one run's results. */
final class Report {
  /** Everything from this line on in BENCHMARKS.md is written by hand and kept by each run. */
  static final String KEEP_MARKER = "<!-- Written by hand below: ./sluice bench keeps it. -->";

  private Report() {}

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
    sb.append("\n| open streams held at once | Sluice RSS (MiB) | RSS above idle per stream (KiB) | heap in use / live after GC (MiB) "
        + "| live heap per stream (KiB) | one disconnect -> upstream closed p50 / p99 (ms) | all at once p50 / p99 (ms) |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (LoadBench.Held h : helds) {
      sb.append(String.format(Locale.ROOT, "| %d | %.0f | %.1f | %.0f / %.0f | %.1f | %.2f / %.2f (%d) | %.1f / %.1f (%d) |%n",
          h.streams(), h.rssBytes() / 1048576.0, (h.rssBytes() - h.baselineRss()) / 1024.0 / h.streams(),
          h.heapBytes() / 1048576.0, h.liveHeapBytes() / 1048576.0, h.liveHeapBytes() / 1024.0 / h.streams(),
          h.cancel().ms(50), h.cancel().ms(99), h.cancel().count(), h.burst().ms(50), h.burst().ms(99), h.burst().count()));
    }
    return sb.toString();
  }

  static void write(LoadBench.Settings s, String args, long fdLimit, int maxHeld, SluiceProcess sluice,
      List<LoadBench.Latency> latencies, LoadBench.Throughput t, List<LoadBench.Held> helds)
      throws IOException, InterruptedException {
    var md = new StringBuilder();
    md.append("# Sluice benchmarks\n\n");
    md.append("Made by `./sluice bench").append(args.isEmpty() ? "" : " " + args).append("` on ")
        .append(LocalDate.now()).append(". Rerun it to check; the numbers below are this machine's.\n\n");
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
        .append("`, its own process; fake upstream and clients in the bench process, all on loopback\n\n");
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
        + "reported apart).\n\n");
    md.append("## Results\n\n").append(table(latencies, t, helds)).append("\n");
    md.append("![added TTFT vs concurrency; RSS vs open streams](bench/results.png)\n");
    // What people wrote below the marker (targets, analysis, micro-benchmarks) survives a rerun.
    if (Files.isRegularFile(s.out())) {
      String old = Files.readString(s.out());
      int at = old.indexOf(KEEP_MARKER);
      if (at >= 0) md.append('\n').append(old.substring(at));
    }
    Files.writeString(s.out(), md.toString());
    plot(s.plot(), latencies, helds);
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
