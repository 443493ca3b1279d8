package dev.sluice.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sluice in its own process, started from the built jar the way {@code ./sluice serve} starts it,
 * pointed at the bench upstream; and its resource use read from {@code /proc} and {@code jcmd}.
 */
final class SluiceProcess implements AutoCloseable {
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])");
  private final Process process;
  final int port;
  final List<String> command;

  /** The gateway's own ledger for this run: a fresh SQLite file, so no earlier keys turn auth on. */
  private final Path dataDir;

  private SluiceProcess(Process process, int port, List<String> command, Path dataDir) {
    this.process = process;
    this.port = port;
    this.command = command;
    this.dataDir = dataDir;
  }

  static SluiceProcess start(Path jar, int upstreamPort, List<String> jvmFlags) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) throw new IOException("no Sluice jar at " + jar + "; build with ./sluice bench");
    int port;
    try (var probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    Path dataDir = Files.createTempDirectory("sluice-bench-");
    // The bench holds 10,000 streams from one address on as many connections: the caps that keep one
    // client from taking a whole instance would refuse it, so they are off here.
    Path config = Files.writeString(dataDir.resolve("sluice.yaml"),
        "server: { max_connections: 0, max_streams_per_key: 0, max_streams_per_client: 0 }\n");
    command.addAll(List.of("-jar", jar.toString(), "serve", "--port", Integer.toString(port), "--config", config.toString()));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("OPENAI_API_KEY", "sk-bench");
    builder.environment().put("OPENAI_BASE_URL", "http://127.0.0.1:" + upstreamPort + "/v1");
    builder.environment().remove("SLUICE_CONFIG");
    for (String shared : List.of("SLUICE_REDIS_URL", "SLUICE_REQUIRE_AUTH", "SLUICE_ADMIN_KEY", "SLUICE_DB_USER",
        "SLUICE_DB_PASSWORD")) {
      builder.environment().remove(shared);
    }
    builder.environment().put("SLUICE_DB_URL", "jdbc:sqlite:" + dataDir.resolve("ledger.db"));
    Process process = builder.start();
    var ready = new CompletableFuture<Void>();
    Thread.ofPlatform().daemon().start(() -> {
      try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.contains("listening on")) ready.complete(null);
          else if (line.contains("ERROR") || line.contains("WARN")) System.err.println("\n[sluice] " + line);
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
    });
    try {
      ready.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("Sluice did not start", e);
    }
    return new SluiceProcess(process, port, command, dataDir);
  }

  long pid() {
    return process.pid();
  }

  /** Resident set size, bytes. */
  long rssBytes() throws IOException {
    return status("VmRSS");
  }

  /**
   * The part of the RSS that is file-backed, bytes: the JVM's own libraries and the mapped AOT cache,
   * pages the kernel can drop and that several Sluice processes on one machine share.
   */
  long rssFileBytes() throws IOException {
    return status("RssFile");
  }

  private long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
      if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
    throw new IOException("no " + field + " for " + pid());
  }

  /** User plus system CPU time so far, seconds. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // Fields 14 and 15 of /proc/pid/stat (utime, stime), counted after the command name.
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  /** The heap still in use after a full collection: what the streams really hold. */
  long liveHeapBytes() throws IOException, InterruptedException {
    jcmd("GC.run");
    return heapUsedBytes();
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid()), command).redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  /**
   * The first {@code lines} lines of {@code jmap -histo:live} (a full collection first, then the
   * classes holding the most heap): where the bytes of a held stream go.
   */
  List<String> heapHistogram(int lines) throws IOException, InterruptedException {
    Process jmap = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jmap").toString(), "-histo:live",
        Long.toString(pid())).redirectErrorStream(true).start();
    List<String> out = new String(jmap.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    jmap.waitFor(60, TimeUnit.SECONDS);
    return out.subList(0, Math.min(lines, out.size()));
  }

  /** Heap in use, bytes, as the JVM itself reports it (any collector; garbage not yet collected included). */
  long heapUsedBytes() throws IOException, InterruptedException {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid()), "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor(30, TimeUnit.SECONDS);
    Matcher m = HEAP_USED.matcher(out);
    if (!m.find()) throw new IOException("cannot read the heap from jcmd: " + out);
    long unit = switch (m.group(2)) {
      case "K" -> 1L << 10;
      case "M" -> 1L << 20;
      default -> 1L << 30;
    };
    return Long.parseLong(m.group(1)) * unit;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + dataDir + ": " + e);
    }
  }

}
