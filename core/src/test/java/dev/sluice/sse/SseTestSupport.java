package dev.sluice.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Feeding helpers and a recording listener shared by the SSE tests. */
final class SseTestSupport {

  private SseTestSupport() {}

  /** Everything a parse produced: the events, each retry callback, and the parser's final state. */
  record Parsed(List<SseEvent> events, List<Long> retries, long retryMillis, String lastEventId) {}

  /** A listener that keeps what it is told. */
  static final class Recorder implements SseListener {
    final List<SseEvent> events = new ArrayList<>();
    final List<Long> retries = new ArrayList<>();

    @Override
    public void onEvent(SseEvent event) {
      events.add(event);
    }

    @Override
    public void onRetry(long millis) {
      retries.add(millis);
    }
  }

  /** Feeds the chunks in order, then ends the stream. */
  static Parsed parseChunks(List<byte[]> chunks) {
    Recorder recorder = new Recorder();
    SseParser parser = new SseParser(recorder);
    for (byte[] chunk : chunks) parser.feed(chunk, 0, chunk.length);
    parser.end();
    return new Parsed(List.copyOf(recorder.events), List.copyOf(recorder.retries), parser.retryMillis(),
        parser.lastEventId());
  }

  static Parsed parseWhole(byte[] stream) {
    return parseChunks(List.of(stream));
  }

  static Parsed parse(String stream) {
    return parseWhole(utf8(stream));
  }

  static Parsed parseByteByByte(byte[] stream) {
    List<byte[]> chunks = new ArrayList<>(stream.length);
    for (byte b : stream) chunks.add(new byte[] {b});
    return parseChunks(chunks);
  }

  /** Splits {@code stream} at the given offsets (any order, duplicates and out-of-range values allowed). */
  static List<byte[]> split(byte[] stream, int... cuts) {
    int[] sorted = Arrays.stream(cuts).map(c -> Math.floorMod(c, stream.length + 1)).sorted().toArray();
    List<byte[]> chunks = new ArrayList<>(sorted.length + 1);
    int from = 0;
    for (int cut : sorted) {
      chunks.add(Arrays.copyOfRange(stream, from, cut));
      from = cut;
    }
    chunks.add(Arrays.copyOfRange(stream, from, stream.length));
    return chunks;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) out.writeBytes(part);
    return out.toByteArray();
  }

  /** A readable rendering of bytes for failure messages: printable ASCII as is, the rest escaped. */
  static String show(byte[] b) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte x : b) {
      int c = x & 0xFF;
      switch (c) {
        case '\r' -> sb.append("\\r");
        case '\n' -> sb.append("\\n");
        case '"', '\\' -> sb.append('\\').append((char) c);
        default -> {
          if (c >= 0x20 && c < 0x7F) sb.append((char) c);
          else sb.append(String.format("\\x%02X", c));
        }
      }
    }
    return sb.append('"').toString();
  }
}
