package dev.sluice.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} in a temporary folder, {@code pg_ctl start}
 * on a free loopback port, removed on close. The binaries come from {@code pg_config --bindir}, else
 * the newest {@code /usr/lib/postgresql/<version>/bin}. PostgreSQL refuses to run as root, so as root
 * the folder is given to the {@code postgres} user and every command runs through {@code runuser}.
 */
final class PgCluster implements AutoCloseable {
  static final String USER = "sluice";
  private final Path dir;
  private final Path bin;
  private final boolean asPostgres;
  private final int port;
  private final AtomicInteger databases = new AtomicInteger();

  private PgCluster(Path dir, Path bin, boolean asPostgres, int port) {
    this.dir = dir;
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.port = port;
  }

  static PgCluster start() throws Exception {
    Path bin = binaries();
    Path dir = Files.createTempDirectory("sluice-pg-");
    boolean root = "root".equals(System.getProperty("user.name"));
    int port;
    try (var probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    var cluster = new PgCluster(dir, bin, root, port);
    try {
      if (root) run(List.of("chown", "postgres:", dir.toString()));
      cluster.pg(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
          "--auth=trust", "-E", "UTF8", "--no-sync");
      cluster.startServer();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Stops the server at once, as a crash or an operator would ({@code pg_ctl stop -m fast}); the data stays. */
  void stopServer() throws Exception {
    pg(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
  }

  /** Starts the server again on the same port and data. */
  void startServer() throws Exception {
    pg(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
        dir.resolve("log").toString(), "-w", "-t", "30", "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
  }

  /** A new, empty database; returns its JDBC URL. */
  String newDatabase() throws Exception {
    String name = "ledger_" + databases.incrementAndGet();
    try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, "");
        var st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
  }

  @Override
  public void close() throws Exception {
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        pg(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
      }
    } finally {
      TestGateway.deleteTree(dir);
    }
  }

  private void pg(String... command) throws Exception {
    var cmd = new ArrayList<String>();
    if (asPostgres) cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    cmd.addAll(List.of(command));
    run(cmd);
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
  }

  private static Path binaries() throws Exception {
    try {
      Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && Files.isExecutable(Path.of(out, "initdb"))) return Path.of(out);
    } catch (IOException e) {
      // No pg_config on the PATH: look in the usual place below.
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (var versions = Files.list(root)) {
        var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
        if (found.isPresent()) return found.get();
      }
    }
    throw new IllegalStateException("PostgreSQL server binaries not found (initdb, pg_ctl): install the 'postgresql' package");
  }
}
