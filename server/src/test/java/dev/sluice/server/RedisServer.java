package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} on a free loopback port, started from a temporary directory with
 * persistence off, stopped by {@link #close}. Where redis-server is not installed the test is
 * skipped locally, but fails under CI ({@code CI=true}), whose {@code .ci/run} installs it.
 */
final class RedisServer implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final int port;

  private RedisServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static RedisServer start() throws Exception {
    String binary = find();
    if (binary == null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("redis-server is not installed; .ci/run installs it with apt-get (redis-server)");
      }
      Assumptions.abort("redis-server is not installed (apt-get install -y redis-server); skipped outside CI");
    }
    int port;
    try (var probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Path dir = Files.createTempDirectory("sluice-redis");
    Process process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    var server = new RedisServer(process, dir, port);
    try {
      server.awaitPong(Duration.ofSeconds(10));
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  URI uri() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  private static String find() {
    for (String candidate : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
      if (Files.isExecutable(Path.of(candidate))) return candidate;
    }
    return null;
  }

  /** Waits until the server answers PING, polling until {@code timeout}. */
  private void awaitPong(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) throw new AssertionError("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      try (var socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(1_000);
        socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        byte[] reply = new byte[7];
        int n = in.readNBytes(reply, 0, 7);
        if (new String(reply, 0, n, StandardCharsets.US_ASCII).equals("+PONG\r\n")) return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) throw new AssertionError("redis-server did not answer on port " + port, notYet);
        Thread.sleep(20);
      }
    }
  }

  /** Forgets every key, as a flush or a failover to an empty replica would. */
  void flushAll() throws IOException {
    try (var socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("FLUSHALL\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] reply = socket.getInputStream().readNBytes(5);
      if (!new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n")) throw new IOException("FLUSHALL failed");
    }
  }

  /**
   * Holds every client's write commands for {@code pause} ({@code CLIENT PAUSE ... WRITE}); reads are
   * answered meanwhile, so a write still in flight is seen as not yet done.
   */
  void pauseWrites(Duration pause) throws IOException {
    try (var socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(("CLIENT PAUSE " + pause.toMillis() + " WRITE\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] reply = socket.getInputStream().readNBytes(5);
      if (!new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n")) throw new IOException("CLIENT PAUSE failed");
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    if (!Files.isDirectory(dir)) return; // closed already
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) Files.deleteIfExists(f);
    }
    Files.deleteIfExists(dir);
  }
}
