package dev.sluice.bench.load;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One streaming request over a raw HTTP/1.1 socket, timed: when the first content chunk arrived,
 * and for every chunk how long after the upstream wrote it (the chunk carries its write time).
 * Reads lines and looks only at {@code data:} lines, which works for the chunked bodies both the
 * bench upstream and Sluice send (one event per HTTP chunk).
 */
final class StreamClient implements AutoCloseable {
  /**
   * @param ttftNanos from the request's first byte sent to the first content chunk received
   * @param latencies per content chunk, receive time minus upstream write time, in ns
   */
  record Result(long ttftNanos, long[] latencies, int chunks, boolean completed) {}

  private final Socket socket = new Socket();
  private final String streamId;
  private final Runnable onChunk;

  StreamClient(String streamId) {
    this(streamId, () -> {});
  }

  /** @param onChunk called as each content chunk arrives (the warm-up curve counts them) */
  StreamClient(String streamId, Runnable onChunk) {
    this.streamId = streamId;
    this.onChunk = onChunk;
  }

  /** The streaming chat request's JSON body; {@code user} names the stream for the fake upstream. */
  static String body(String streamId) {
    return "{\"model\":\"openai/bench\",\"stream\":true,\"user\":\"" + streamId
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
  }

  static byte[] request(String path, String streamId) {
    String body = body(streamId);
    return ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Sends the request and reads the stream.
   *
   * @param stopAfterChunks return (leaving the connection open) after this many content chunks; 0 = read to the end
   * @param onFirst called once the first content chunk arrived
   */
  Result run(int port, String path, int expectedChunks, int stopAfterChunks, Runnable onFirst) throws IOException {
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
    OutputStream out = socket.getOutputStream();
    InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
    long start = System.nanoTime();
    out.write(request(path, streamId));
    out.flush();
    long ttft = -1;
    long[] latencies = new long[Math.min(expectedChunks, 100_000)];
    int n = 0;
    byte[] line = new byte[4096];
    while (true) {
      int len = readLine(in, line);
      if (len < 0) return new Result(ttft, trim(latencies, n), n, false);
      if (len < 6 || line[0] != 'd' || line[1] != 'a' || line[4] != ':') continue; // not a data: line
      if (len == 12 && line[6] == '[') return new Result(ttft, trim(latencies, n), n, true); // data: [DONE]
      long stamp = stampOf(line, len);
      if (stamp < 0) continue;
      long now = System.nanoTime();
      if (ttft < 0) {
        ttft = now - start;
        onFirst.run();
      }
      onChunk.run();
      if (n < latencies.length) latencies[n] = now - stamp;
      n++;
      if (stopAfterChunks > 0 && n >= stopAfterChunks) return new Result(ttft, trim(latencies, n), n, false);
    }
  }

  /** True once the connection was established (and the request could be sent). */
  boolean connected() {
    return socket.isConnected() && !socket.isClosed();
  }

  /** Closes the connection (a FIN): the disconnect the benchmark times. */
  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static long[] trim(long[] a, int n) {
    return n == a.length ? a : java.util.Arrays.copyOf(a, Math.min(n, a.length));
  }

  /** The digits after {@code "content":"}, or -1 for a chunk without content. */
  private static long stampOf(byte[] line, int len) {
    byte[] key = CONTENT;
    outer:
    for (int i = 6; i + key.length < len; i++) {
      for (int k = 0; k < key.length; k++) if (line[i + k] != key[k]) continue outer;
      long v = 0;
      int j = i + key.length;
      if (j >= len || line[j] < '0' || line[j] > '9') return -1;
      while (j < len && line[j] >= '0' && line[j] <= '9') v = v * 10 + (line[j++] - '0');
      return v;
    }
    return -1;
  }

  private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);

  private static int readLine(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') return n;
      if (b != '\r' && n < buf.length) buf[n++] = (byte) b;
    }
    return n == 0 ? -1 : n;
  }
}
