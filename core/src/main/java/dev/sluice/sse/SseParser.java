package dev.sluice.sse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental {@code text/event-stream} parser (WHATWG HTML §9.2.6): bytes in, events out, and any
 * split of the bytes gives the same events. Lines end with LF, CRLF or a lone CR; a CRLF split
 * across two {@link #feed} calls is one terminator. One leading UTF-8 BOM is skipped.
 *
 * <p>Temporary stand-in with the final API, kept deliberately simple; the sse branch replaces it.
 * Not thread-safe: one thread feeds it.
 */
public final class SseParser {

  /** A line longer than this is an attack or a broken upstream, not an event. */
  private static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private final SseListener listener;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean skipLf;
  private boolean firstLine = true;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String eventType = "";
  private String lastEventId = "";

  public SseParser(SseListener l) {
    if (l == null) throw new IllegalArgumentException("listener is required");
    this.listener = l;
  }

  /** Parses {@code len} bytes of {@code buf} from {@code off}, dispatching every event they complete. */
  public void feed(byte[] buf, int off, int len) {
    for (int i = off, end = off + len; i < end; i++) {
      byte b = buf[i];
      if (skipLf) {
        skipLf = false;
        if (b == '\n') continue;
      }
      if (b == '\n') {
        endLine();
      } else if (b == '\r') {
        endLine();
        skipLf = true;
      } else {
        if (lineLength == line.length) {
          if (lineLength >= MAX_LINE_BYTES) throw new SseException("event stream line longer than " + MAX_LINE_BYTES + " bytes");
          line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, lineLength * 2));
        }
        line[lineLength++] = b;
      }
    }
  }

  /** The stream ended: an incomplete event (no blank line after it) is discarded, as the spec says. */
  public void end() {
    lineLength = 0;
    data.setLength(0);
    hasData = false;
    eventType = "";
  }

  private void endLine() {
    int start = 0;
    if (firstLine) {
      firstLine = false;
      if (lineLength >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF) start = 3;
    }
    int length = lineLength - start;
    lineLength = 0;
    if (length == 0) {
      dispatch();
      return;
    }
    String text = new String(line, start, length, StandardCharsets.UTF_8);
    if (text.charAt(0) == ':') return;
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = "";
    if (colon >= 0) {
      int from = colon + 1;
      if (from < text.length() && text.charAt(from) == ' ') from++;
      value = text.substring(from);
    }
    switch (field) {
      case "event" -> eventType = value;
      case "data" -> {
        data.append(value).append('\n');
        hasData = true;
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) lastEventId = value;
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          try {
            listener.onRetry(Long.parseLong(value));
          } catch (NumberFormatException tooLarge) {
            // All digits but beyond a long: no reconnection time can be that long; ignore like a bogus value.
          }
        }
      }
      default -> { }
    }
  }

  private void dispatch() {
    if (!hasData) {
      eventType = "";
      return;
    }
    data.setLength(data.length() - 1);
    String type = eventType.isEmpty() ? "message" : eventType;
    String payload = data.toString();
    data.setLength(0);
    hasData = false;
    eventType = "";
    listener.onEvent(new SseEvent(type, payload, lastEventId));
  }
}
