package dev.sluice.bench.load;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A fast OpenAI-speaking upstream for the load benchmark: HTTP/1.1 on loopback with keep-alive, one
 * virtual thread per connection, {@code chunks} content chunks {@code chunkDelay} apart. Each chunk's content is the
 * {@link System#nanoTime()} at which it was written, so a client in the same process measures the
 * latency of each chunk exactly, whether it came directly or through Sluice.
 *
 * <p>While it streams, a second virtual thread per connection blocks in a read: it sees the moment
 * its client (Sluice, or a direct client) closes the connection, and records it against the stream
 * id the request carries in its {@code user} field.
 */
final class BenchUpstream implements AutoCloseable {
  private static final byte[] HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  private static final String PREFIX =
      "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
          + "\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
  private static final String SUFFIX = "\"},\"finish_reason\":null}]}\n\n";
  private static final String TAIL =
      "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\","
          + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
          + "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\","
          + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\n"
          + "data: [DONE]\n\n";

  private static final byte[] END = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final Thread acceptor;
  private volatile int chunks;
  private volatile long chunkDelayNanos;
  /** Stream id to the nanoTime its client was seen leaving before the response ended. */
  final ConcurrentHashMap<String, Long> clientLeftAt = new ConcurrentHashMap<>();

  BenchUpstream() throws IOException {
    server = new ServerSocket(0, 16_384, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().daemon().name("bench-upstream-accept").start(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** What every following request gets. */
  void script(int chunkCount, long delayNanos) {
    chunks = chunkCount;
    chunkDelayNanos = delayNanos;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        if (!server.isClosed()) System.err.println("bench upstream: accept failed: " + e);
      }
    }
  }

  /**
   * Serves requests on one kept-alive connection, as a real upstream does. While a response
   * streams, a watcher blocks in a read: -1 then means the client left; a byte means the next
   * request has begun (the response was complete), and it is pushed back for the next round.
   */
  private void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      var in = new PushbackInputStream(new BufferedInputStream(socket.getInputStream()), 1);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8192);
      while (true) {
        String streamId = readRequest(in);
        if (streamId == null) return;
        var done = new AtomicBoolean();
        var left = new AtomicBoolean();
        Thread watcher = Thread.ofVirtual().start(() -> {
          try {
            int b = in.read();
            if (b < 0) {
              left.set(true);
              if (!done.get()) clientLeftAt.putIfAbsent(streamId, System.nanoTime());
            } else {
              in.unread(b);
            }
          } catch (IOException e) {
            left.set(true);
            if (!done.get()) clientLeftAt.putIfAbsent(streamId, System.nanoTime());
          }
        });
        out.write(HEAD);
        int n = chunks;
        long delay = chunkDelayNanos;
        for (int i = 0; i < n; i++) {
          if (i > 0 && delay > 0) LockSupport.parkNanos(delay);
          if (left.get()) return;
          writeChunk(out, PREFIX + System.nanoTime() + SUFFIX);
        }
        writeChunk(out, TAIL);
        out.write(END);
        out.flush();
        done.set(true);
        watcher.join();
        if (left.get()) return;
      }
    } catch (IOException e) {
      // The client left mid-write; the watcher recorded when.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void writeChunk(OutputStream out, String data) throws IOException {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.write('\r');
    out.write('\n');
    out.flush();
  }

  /** Reads one request; returns its stream id (the JSON {@code user} field), or null at EOF. */
  private static String readRequest(InputStream in) throws IOException {
    var head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) break;
    }
    if (b < 0) return null;
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) length = Integer.parseInt(line.substring(15).trim());
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    int at = body.indexOf("\"user\":\"");
    if (at < 0) return "unnamed";
    return body.substring(at + 8, body.indexOf('"', at + 8));
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
  }
}
