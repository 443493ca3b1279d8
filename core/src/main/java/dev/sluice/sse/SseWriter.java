package dev.sluice.sse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Frames Server-Sent Events into UTF-8 bytes in a reusable buffer, so that whatever a value holds, a
 * spec-conforming parser reads back exactly the events written and nothing else.
 *
 * <p>Typical use, once per relayed chunk: {@code writer.data(json).writeTo(out); out.flush();} where
 * {@link #writeTo} hands the whole buffered event to the stream in one {@code write} call and empties
 * the buffer.
 *
 * <p>The framing is the one the OpenAI, Anthropic and Google SDK parsers all accept: LF line endings,
 * {@code "field: value"} always with the space (google-genai requires {@code "data: "} literally), one
 * event per blank line. Safety rules:
 *
 * <ul>
 *   <li>Data is split into one {@code data:} line per line, where CRLF, CR and LF each count as one line
 *       break, so a value can neither inject a field nor end its event early; the parser joins the lines
 *       with LF, so CRLF and CR in data come back as LF and everything else comes back unchanged.
 *   <li>An event type or ID containing CR or LF (or, for an ID, U+0000, which the parser would ignore)
 *       is rejected with {@link IllegalArgumentException} and nothing is written.
 *   <li>A multi-line comment becomes one comment line per line.
 *   <li>An unpaired surrogate in a string is written as U+FFFD, as a browser's {@code TextEncoder} does.
 * </ul>
 *
 * <p>Strings are encoded straight into the buffer, with no intermediate {@code String} or array. Data
 * already in UTF-8 (for example JSON a generator wrote to bytes) goes through
 * {@link #data(byte[], int, int)}, which copies it in bulk after a scan for line breaks.
 *
 * <p>Not thread-safe: one writer per stream.
 */
public final class SseWriter {

  private static final byte[] DATA = ascii("data: ");
  private static final byte[] EVENT = ascii("event: ");
  private static final byte[] ID = ascii("id: ");
  private static final byte[] RETRY = ascii("retry: ");
  private static final byte[] COMMENT = ascii(": ");
  private static final byte LF = '\n';
  private static final byte CR = '\r';
  private static final int DEFAULT_CAPACITY = 1024;
  /** The largest array the JVM reliably allocates. */
  private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

  private byte[] buf;
  private int len;

  /** A writer whose buffer starts at 1 KiB, about one LLM stream chunk. */
  public SseWriter() {
    this(DEFAULT_CAPACITY);
  }

  /** A writer whose buffer starts at {@code initialCapacity} bytes and grows as needed. */
  public SseWriter(int initialCapacity) {
    if (initialCapacity < 1) throw new IllegalArgumentException("initialCapacity must be positive");
    buf = new byte[initialCapacity];
  }

  /**
   * The bytes of one event, for callers that frame rarely; per-token paths should reuse a writer.
   *
   * @see #event(String, String, String)
   */
  public static byte[] encode(String type, String id, String data) {
    return new SseWriter().event(type, id, data).toByteArray();
  }

  /**
   * Appends an event of the default type with no ID: one {@code data:} line per line of {@code data},
   * then the blank line that dispatches it. {@code ""} is a valid event with empty data.
   */
  public SseWriter data(String data) {
    return event(null, null, data);
  }

  /**
   * Appends one event.
   *
   * @param type the event type; {@code null}, {@code ""} and {@code "message"} all write no
   *     {@code event:} line, since a parser reads each of them as {@code "message"}
   * @param id the ID to set, or {@code null} for no {@code id:} line; {@code ""} resets the client's last
   *     event ID
   * @param data the data; see the class rules for line breaks
   * @throws IllegalArgumentException if {@code type} or {@code id} contains CR or LF, or {@code id}
   *     contains U+0000; nothing is appended then
   */
  public SseWriter event(String type, String id, String data) {
    Objects.requireNonNull(data, "data");
    int mark = len;
    try {
      writeHeader(type, id);
      appendLines(DATA, data);
      endEvent();
    } catch (RuntimeException e) {
      len = mark; // all or nothing: a half-framed event would corrupt the stream
      throw e;
    }
    return this;
  }

  /**
   * Appends an event of the default type with no ID whose data is {@code length} bytes of UTF-8 from
   * {@code utf8}: the fast path for payloads already encoded, such as JSON. The bytes are scanned for CR
   * and LF (split into lines exactly as {@link #event(String, String, String)} does) and otherwise copied
   * in bulk.
   */
  public SseWriter data(byte[] utf8, int off, int length) {
    return event(null, null, utf8, off, length);
  }

  /**
   * Appends one event whose data is {@code length} bytes of UTF-8 from {@code utf8}; otherwise as
   * {@link #event(String, String, String)}. The bytes are not validated beyond the line-break scan: CR
   * and LF are single bytes that occur inside no multi-byte sequence, so framing stays safe even for
   * malformed input, which a parser then decodes with U+FFFD.
   *
   * @throws IndexOutOfBoundsException if {@code off} and {@code length} do not fit {@code utf8}
   */
  public SseWriter event(String type, String id, byte[] utf8, int off, int length) {
    Objects.checkFromIndexSize(off, length, utf8.length);
    int mark = len;
    try {
      writeHeader(type, id);
      ensure(DATA.length);
      put(DATA);
      int end = off + length;
      int start = off;
      for (int i = off; i < end; i++) {
        byte c = utf8[i];
        if (c == LF || c == CR) {
          putBytes(utf8, start, i - start);
          if (c == CR && i + 1 < end && utf8[i + 1] == LF) i++;
          ensure(1 + DATA.length);
          buf[len++] = LF;
          put(DATA);
          start = i + 1;
        }
      }
      putBytes(utf8, start, end - start);
      ensure(1);
      buf[len++] = LF;
      endEvent();
    } catch (RuntimeException e) {
      len = mark;
      throw e;
    }
    return this;
  }

  /**
   * Appends a comment: one {@code ": "} line per line of {@code text} (CRLF, CR and LF each break a
   * line), which parsers ignore. Commonly sent as a keep-alive; it dispatches nothing.
   */
  public SseWriter comment(String text) {
    appendLines(COMMENT, text);
    return this;
  }

  /**
   * Appends a {@code retry:} line telling the client to wait {@code millis} before reconnecting. It takes
   * effect when the line arrives and dispatches nothing.
   *
   * @throws IllegalArgumentException if {@code millis} is negative
   */
  public SseWriter retry(long millis) {
    if (millis < 0) throw new IllegalArgumentException("retry must not be negative: " + millis);
    appendLines(RETRY, Long.toString(millis));
    return this;
  }

  /**
   * Writes everything buffered to {@code out} in a single {@code write} call, then empties the buffer,
   * also when the write fails, so that a failed event is never sent twice. Does not flush.
   */
  public void writeTo(OutputStream out) throws IOException {
    int n = len;
    len = 0;
    out.write(buf, 0, n);
  }

  /** A copy of the bytes buffered so far; the buffer is left as it is. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** The number of bytes buffered. */
  public int size() {
    return len;
  }

  /** Discards everything buffered. */
  public void reset() {
    len = 0;
  }

  private void writeHeader(String type, String id) {
    boolean hasType = type != null && !type.isEmpty() && !type.equals(SseEvent.DEFAULT_TYPE);
    if (hasType) requireSingleLine(type, "event type", false);
    if (id != null) requireSingleLine(id, "id", true);
    if (hasType) appendLines(EVENT, type);
    if (id != null) appendLines(ID, id);
  }

  private static void requireSingleLine(String value, String what, boolean rejectNul) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n' || c == '\r') throw new IllegalArgumentException(what + " must not contain CR or LF");
      if (c == 0 && rejectNul) throw new IllegalArgumentException(what + " must not contain U+0000");
    }
  }

  /**
   * Appends {@code prefix}, a line of {@code s} and LF for each line of {@code s}, where CRLF, CR and LF
   * each end a line. A field value that was checked to be a single line is thus one line.
   */
  private void appendLines(byte[] prefix, String s) {
    int n = s.length();
    // A char costs at most 3 bytes (a surrogate pair 4 for its 2 chars). A line break pays its LF from
    // its own char's share and reserves the next prefix and the rest of the string when it comes.
    ensure(prefix.length + 3L * n + 1);
    byte[] b = buf;
    int p = len;
    System.arraycopy(prefix, 0, b, p, prefix.length);
    p += prefix.length;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        int q = encodeNonAscii(s, i, c, b, p);
        if (q - p == 4) i++; // only a surrogate pair takes four bytes: its low half is written too
        p = q;
      } else if (c != '\n' && c != '\r') {
        b[p++] = (byte) c;
      } else {
        if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') i++;
        b[p++] = LF;
        len = p;
        ensure(prefix.length + 3L * (n - i - 1) + 1);
        b = buf;
        System.arraycopy(prefix, 0, b, p, prefix.length);
        p += prefix.length;
      }
    }
    b[p++] = LF;
    len = p;
  }

  /**
   * Encodes the non-ASCII char {@code c} at index {@code i} of {@code s} into {@code b} at {@code p}
   * and returns the next position. A high surrogate followed by a low one is encoded as one four-byte
   * sequence, the only case that takes four bytes; an unpaired surrogate becomes U+FFFD.
   */
  private static int encodeNonAscii(String s, int i, char c, byte[] b, int p) {
    if (c < 0x800) {
      b[p++] = (byte) (0xC0 | (c >> 6));
      b[p++] = (byte) (0x80 | (c & 0x3F));
      return p;
    }
    if (Character.isSurrogate(c)) {
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(i + 1));
        b[p++] = (byte) (0xF0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
        return p;
      }
      c = Utf8.REPLACEMENT;
    }
    b[p++] = (byte) (0xE0 | (c >> 12));
    b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
    b[p++] = (byte) (0x80 | (c & 0x3F));
    return p;
  }

  /** Ends an event with the blank line that dispatches it. */
  private void endEvent() {
    ensure(1);
    buf[len++] = LF;
  }

  /** Appends {@code bytes}; room must already be reserved. */
  private void put(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
  }

  private void putBytes(byte[] src, int from, int n) {
    ensure(n);
    System.arraycopy(src, from, buf, len, n);
    len += n;
  }

  /** Makes room for {@code extra} more bytes. */
  private void ensure(long extra) {
    long needed = len + extra;
    if (needed <= buf.length) return;
    if (needed > MAX_CAPACITY) {
      throw new IllegalArgumentException("event too large to buffer: " + needed + " bytes");
    }
    buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(2L * buf.length, MAX_CAPACITY)));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
