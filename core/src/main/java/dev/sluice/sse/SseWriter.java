package dev.sluice.sse;

import dev.sluice.buffer.ScratchArrays;
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
 *   <li>Strings are encoded as {@link String#getBytes(java.nio.charset.Charset) getBytes(UTF_8)} does,
 *       so an unpaired surrogate is written as {@code ?}.
 * </ul>
 *
 * <p>Cost: a String value is encoded by the JDK's intrinsic encoder into a short-lived array and copied
 * in; measured, that is about five times faster than a char-by-char encoder writing straight into the
 * buffer. Data already in UTF-8 (JSON a generator wrote to bytes) should come through
 * {@link #data(byte[], int, int)}, which allocates nothing. Either way line breaks are found eight bytes
 * at a time and each line is copied in bulk.
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
  private static final int DEFAULT_CAPACITY = 256;
  /**
   * A buffer that grew past this for one large event goes back to the default size once that event
   * is written: a writer lives as long as its stream, and most streams sit idle between small events.
   */
  static final int RETAINED_CAPACITY = 8 * 1024;
  /** The largest array the JVM reliably allocates. */
  private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

  private static final byte[] EMPTY = {};

  private byte[] buf;
  private int len;
  /**
   * Whether the array is borrowed from {@link ScratchArrays} and given back whenever the writer is
   * empty, so that a writer idle between events holds no buffer.
   */
  private final boolean pooled;

  /**
   * A writer that holds a buffer only while it has bytes: it borrows a shared one at its first event
   * and gives it back whenever it is emptied ({@link #reset}, {@link #writeTo}). For writers that live
   * as long as a stream and sit idle between events.
   */
  public SseWriter() {
    buf = EMPTY;
    pooled = true;
  }

  /** A writer with its own buffer, which starts at {@code initialCapacity} bytes and grows as needed. */
  public SseWriter(int initialCapacity) {
    if (initialCapacity < 1) throw new IllegalArgumentException("initialCapacity must be positive");
    buf = new byte[initialCapacity];
    pooled = false;
  }

  /**
   * The bytes of one event, for callers that frame rarely; per-token paths should reuse a writer.
   *
   * @see #event(String, String, String)
   */
  public static byte[] encode(String type, String id, String data) {
    var writer = new SseWriter().event(type, id, data);
    byte[] bytes = writer.toByteArray();
    writer.reset();
    return bytes;
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
    byte[] utf8 = data.getBytes(StandardCharsets.UTF_8);
    return event(type, id, utf8, 0, utf8.length);
  }

  /**
   * Appends an event of the default type with no ID whose data is {@code length} bytes of UTF-8 from
   * {@code utf8}: the allocation-free path for payloads already encoded, such as JSON. The bytes are
   * split into lines exactly as {@link #event(String, String, String)} splits a string.
   */
  public SseWriter data(byte[] utf8, int off, int length) {
    return event(null, null, utf8, off, length);
  }

  /**
   * Appends one event whose data is {@code length} bytes of UTF-8 from {@code utf8}; otherwise as
   * {@link #event(String, String, String)}. The bytes are not validated: CR and LF are single bytes
   * that occur inside no multi-byte sequence, so framing stays safe even for malformed input, which a
   * parser then decodes with U+FFFD.
   *
   * @throws IndexOutOfBoundsException if {@code off} and {@code length} do not fit {@code utf8}
   */
  public SseWriter event(String type, String id, byte[] utf8, int off, int length) {
    Objects.checkFromIndexSize(off, length, utf8.length);
    boolean hasType = type != null && !type.isEmpty() && !type.equals(SseEvent.DEFAULT_TYPE);
    // Check both before writing either, so that a rejected event leaves the buffer untouched.
    if (hasType && hasLineBreak(type)) {
      throw new IllegalArgumentException("event type must not contain CR or LF");
    }
    if (id != null && hasLineBreak(id)) throw new IllegalArgumentException("id must not contain CR or LF");
    if (id != null && id.indexOf('\0') >= 0) throw new IllegalArgumentException("id must not contain U+0000");
    int mark = len;
    try {
      if (hasType) appendLines(EVENT, type);
      if (id != null) appendLines(ID, id);
      appendLines(DATA, utf8, off, off + length);
      ensure(1);
      buf[len++] = LF; // the blank line that dispatches the event
    } catch (RuntimeException e) {
      len = mark; // all or nothing: a half-framed event would corrupt the stream
      throw e;
    }
    return this;
  }

  /**
   * Appends a comment: one {@code ": "} line per line of {@code text} (CRLF, CR and LF each break a
   * line), which parsers ignore. Commonly sent as a keep-alive; it dispatches nothing.
   */
  public SseWriter comment(String text) {
    int mark = len;
    try {
      appendLines(COMMENT, text);
    } catch (RuntimeException e) {
      len = mark;
      throw e;
    }
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
    try {
      out.write(buf, 0, n);
    } finally {
      shrinkIfGrown();
    }
  }

  /**
   * The framed bytes as a buffer over this writer's own array, without a copy; valid until the next
   * call that changes the writer. For callers that hand the bytes to a blocking write.
   */
  public java.nio.ByteBuffer buffer() {
    return java.nio.ByteBuffer.wrap(buf, 0, len);
  }

  /** A copy of the bytes buffered so far; the buffer is left as it is. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /** The number of bytes buffered. */
  public int size() {
    return len;
  }

  /**
   * Discards everything buffered, when no {@link #buffer()} view of it is in use any more: a pooled
   * writer gives its buffer back here; an own buffer that grew past {@link #RETAINED_CAPACITY} is let go.
   */
  public void reset() {
    len = 0;
    shrinkIfGrown();
  }

  /**
   * Discards everything buffered when a {@link #buffer()} view of it may still be read (a write that
   * failed half-way): a pooled writer lets its buffer go to the garbage collector rather than back to
   * the pool, where another stream could fill it while the old view is read.
   */
  public void discard() {
    len = 0;
    if (pooled) buf = EMPTY;
    else shrinkIfGrown();
  }

  /** Bytes this writer holds on to, used or not. */
  int capacity() {
    return buf.length;
  }

  private void shrinkIfGrown() {
    if (len != 0) return;
    if (pooled) {
      if (buf != EMPTY) ScratchArrays.giveBack(buf);
      buf = EMPTY;
    } else if (buf.length > RETAINED_CAPACITY) {
      buf = new byte[DEFAULT_CAPACITY];
    }
  }

  private static boolean hasLineBreak(String s) {
    return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
  }

  private void appendLines(byte[] prefix, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    appendLines(prefix, utf8, 0, utf8.length);
  }

  /**
   * Appends {@code prefix}, a line and LF for each line of {@code b[from..to)}, where CRLF, CR and LF
   * each end a line; a value without line breaks is one line.
   */
  private void appendLines(byte[] prefix, byte[] b, int from, int to) {
    // Room for the common case, one line; each further line reserves its own prefix as it comes.
    ensure(prefix.length + (long) (to - from) + 1);
    put(prefix);
    int start = from;
    int brk;
    while ((brk = LineBreaks.indexOf(b, start, to)) >= 0) {
      System.arraycopy(b, start, buf, len, brk - start);
      len += brk - start;
      start = brk + (b[brk] == CR && brk + 1 < to && b[brk + 1] == LF ? 2 : 1);
      ensure(1 + prefix.length + (long) (to - start) + 1);
      buf[len++] = LF;
      put(prefix);
    }
    System.arraycopy(b, start, buf, len, to - start);
    len += to - start;
    buf[len++] = LF;
  }

  /** Appends {@code bytes}; room must already be reserved. */
  private void put(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
  }

  /** Makes room for {@code extra} more bytes. */
  private void ensure(long extra) {
    long needed = len + extra;
    if (needed <= buf.length) return;
    if (needed > MAX_CAPACITY) {
      throw new IllegalArgumentException("event too large to buffer: " + needed + " bytes");
    }
    if (buf == EMPTY) {
      buf = ScratchArrays.borrow((int) needed);
      return;
    }
    byte[] old = buf;
    buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(2L * buf.length, MAX_CAPACITY)));
    if (pooled) ScratchArrays.giveBack(old);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
