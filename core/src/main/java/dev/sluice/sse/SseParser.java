package dev.sluice.sse;

import dev.sluice.buffer.ScratchArrays;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * An incremental {@code text/event-stream} parser: bytes in, events out to an {@link SseListener}
 * (as {@link SseEventView}s over its own buffer, or {@link SseEvent}s for a listener that takes those),
 * following the WHATWG HTML "event stream interpretation" exactly.
 *
 * <p>Feed it network reads as they arrive with {@link #feed(byte[], int, int)} or
 * {@link #feed(ByteBuffer)}, then call {@link #end()} at end of stream. The reads may be split anywhere,
 * inside a CRLF or inside a multi-byte character included: any split of the same bytes yields the same
 * events. What it does, in the spec's terms:
 *
 * <ul>
 *   <li><b>Decoding.</b> One leading UTF-8 BOM ({@code EF BB BF}) is stripped at stream start, even when
 *       split across reads; a later one is an ordinary character. Invalid UTF-8 becomes one U+FFFD per
 *       maximal invalid subpart, as WHATWG UTF-8 decode does.
 *   <li><b>Lines</b> end at CRLF, LF or CR. A CR always ends its line at once (so an event ending in
 *       {@code \r\r} is dispatched without waiting for more input); only an LF that immediately follows
 *       it, possibly in the next read, is swallowed as part of the same terminator. {@code \n\r} is two
 *       terminators.
 *   <li><b>Fields.</b> A line starting with {@code :} is a comment. Otherwise the field name is everything
 *       before the first colon (the whole line if none) and the value everything after it, minus exactly
 *       one leading U+0020. Names are case-sensitive: {@code event} sets the type, {@code data} appends the
 *       value and an LF, {@code id} sets the last event ID unless the value contains U+0000, and
 *       {@code retry} sets the reconnection time if the value is one or more ASCII digits only. Anything
 *       else is ignored.
 *   <li><b>Dispatch</b> on an empty line: the last event ID is updated first, even if nothing fires; an
 *       empty data buffer then fires nothing and clears the type; otherwise one trailing LF is removed and
 *       the event fires with type {@code "message"} unless one was set. Type and data reset; the ID
 *       persists.
 *   <li><b>End of stream</b> ({@link #end()}): an unterminated line and an event without its final
 *       empty line are discarded.
 * </ul>
 *
 * <p><b>Limits.</b> A line, or the data of one event, longer than the maximum (default
 * {@value #DEFAULT_MAX_EVENT_BYTES} bytes, measured as received) throws {@link SseException} instead
 * of growing without bound; the parser is then unusable. Worst-case memory is about three times the
 * maximum (line, data and event-type buffers); buffers that grew past 64 KiB for one large line or event
 * are released after it.
 *
 * <p><b>Cost.</b> No allocation per byte: line breaks are found eight bytes at a time, a line that lies
 * wholly inside one read is interpreted in place, and only lines split across reads are copied into a
 * reusable buffer. Field names are compared as bytes and only values are decoded: the event type only
 * when it differs from the previous event's, and data not at all for a listener that reads the bytes
 * ({@link SseListener#onEvent(SseEventView)}); for one that takes an {@link SseEvent}, once per event.
 *
 * <p>Not thread-safe: one reader feeds one parser. Callbacks run on the feeding thread and must not feed
 * or end the parser that calls them.
 */
public final class SseParser {

  /** The default maximum size of one line and of one event's data, in bytes: 16 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

  /** The largest maximum accepted; keeps every buffer size and sum comfortably inside an int. */
  static final int MAX_MAX_EVENT_BYTES = 1 << 30;

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte COLON = ':';
  private static final byte SPACE = ' ';
  private static final byte[] EMPTY = {};
  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};
  private static final byte[] RETRY = {'r', 'e', 't', 'r', 'y'};
  private static final int INITIAL_CAPACITY = 256;
  /**
   * A buffer that grew past this for one large line or event is dropped, not kept for the stream's
   * life: a parser lives as long as its stream, and held streams sit idle between small events.
   */
  static final int RETAINED_CAPACITY = 8 * 1024;
  /**
   * The window direct buffers are copied through: a few typical lines at a time, in a shared array
   * borrowed for the one read; a line crossing two windows is joined in {@link #line} as across reads.
   */
  static final int SCRATCH_CAPACITY = 1024;
  /** Real event types are short names; a huge one is decoded each time rather than kept. */
  private static final int MAX_CACHED_TYPE_BYTES = 128;

  private final SseListener listener;
  private final int maxBytes;

  /** The current line when it started in an earlier read; empty while lines are read in place. */
  private byte[] line = EMPTY;
  private int lineLen;
  /** The spec's data buffer, raw: each value's bytes plus LF; decoded once at dispatch. */
  private byte[] data = EMPTY;
  private int dataLen;
  /** The spec's event type buffer, raw. */
  private byte[] type = EMPTY;
  private int typeLen;
  /** The bytes and string of the type last decoded: streams repeat one type, so decode it once. */
  private byte[] cachedTypeBytes = EMPTY;
  private String cachedType = SseEvent.DEFAULT_TYPE;
  /** The spec's last event ID buffer (set by {@code id} fields). */
  private String idBuffer = "";
  /** The spec's last event ID string (copied from the buffer at each dispatch). */
  private String lastEventId = "";
  private long retryMillis = -1;
  /** The last byte seen was a CR: an LF right after it, even in the next read, ends nothing. */
  private boolean skipLf;
  /** No line has ended yet, so the first line may still begin with the BOM. */
  private boolean atStart = true;
  private boolean ended;
  /** Inside feed (and so perhaps inside a callback): guards against re-entry from a listener. */
  private boolean busy;
  /** The one view every event is dispatched through: no object per event. */
  private final SseEventView view = new SseEventView();

  /** A parser with the default limit of {@value #DEFAULT_MAX_EVENT_BYTES} bytes per line and per event. */
  public SseParser(SseListener listener) {
    this(listener, DEFAULT_MAX_EVENT_BYTES);
  }

  /**
   * A parser that throws {@link SseException} when a line, or one event's data, exceeds
   * {@code maxEventBytes} bytes.
   *
   * @param maxEventBytes between 1 and 2^30
   */
  public SseParser(SseListener listener, int maxEventBytes) {
    if (listener == null) throw new IllegalArgumentException("listener is required");
    if (maxEventBytes < 1 || maxEventBytes > MAX_MAX_EVENT_BYTES) {
      throw new IllegalArgumentException(
          "maxEventBytes must be between 1 and " + MAX_MAX_EVENT_BYTES + ": " + maxEventBytes);
    }
    this.listener = listener;
    this.maxBytes = maxEventBytes;
  }

  /**
   * Parses the next {@code len} bytes of the stream, calling the listener for every event and valid
   * {@code retry} field they complete.
   *
   * @throws SseException if a line or an event exceeds the maximum size
   * @throws IllegalStateException after {@link #end()}, after an {@link SseException}, or from a callback
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code buf}
   */
  public void feed(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    enter();
    try {
      parse(buf, off, off + len);
    } finally {
      busy = false;
      giveBackIdle();
    }
  }

  /**
   * Parses all remaining bytes of {@code src}, as {@link #feed(byte[], int, int)} does; on return its
   * position equals its limit. Direct and read-only buffers are copied through a small reused array.
   */
  public void feed(ByteBuffer src) {
    if (src.hasArray()) {
      int pos = src.position();
      feed(src.array(), src.arrayOffset() + pos, src.limit() - pos);
      src.position(src.limit());
      return;
    }
    byte[] scratch = ScratchArrays.borrow(SCRATCH_CAPACITY);
    try {
      while (src.hasRemaining()) {
        int n = Math.min(src.remaining(), scratch.length);
        src.get(scratch, 0, n);
        feed(scratch, 0, n);
      }
    } finally {
      ScratchArrays.giveBack(scratch);
    }
  }

  /**
   * Signals end of stream: an unterminated line and an event without its closing empty line are
   * discarded, as the spec requires. (A trailing CR needs nothing here: it ended its line when it
   * arrived.) Further calls do nothing; {@code feed} afterwards throws.
   *
   * @throws IllegalStateException if called from a callback of this parser
   */
  public void end() {
    if (ended) return;
    if (busy) throw new IllegalStateException("end() called from a listener of the same parser");
    ended = true;
    release();
  }

  /**
   * The spec's last event ID string: the ID buffer as of the latest dispatch step, including steps that
   * fired nothing because the data was empty; {@code ""} if none. This is what a reconnecting client
   * sends as {@code Last-Event-ID}.
   */
  public String lastEventId() {
    return lastEventId;
  }

  /** The reconnection time set by the latest valid {@code retry} field, in milliseconds, or -1 if none. */
  public long retryMillis() {
    return retryMillis;
  }

  private void enter() {
    if (busy) throw new IllegalStateException("feed() called from a listener of the same parser");
    if (ended) throw new IllegalStateException("the stream has ended or failed");
    busy = true;
  }

  private void parse(byte[] buf, int from, int to) {
    int i = from;
    if (skipLf && i < to) {
      skipLf = false;
      if (buf[i] == LF) i++;
    }
    while (i < to) {
      int eol = LineBreaks.indexOf(buf, i, to);
      if (eol < 0) {
        appendToLine(buf, i, to - i);
        return;
      }
      if (lineLen == 0) {
        processLine(buf, i, eol); // the whole line is in this read: no copy
      } else {
        appendToLine(buf, i, eol - i);
        int n = lineLen;
        lineLen = 0;
        processLine(line, 0, n);
        if (line.length > RETAINED_CAPACITY) line = EMPTY;
      }
      if (buf[eol] == CR) {
        if (eol + 1 == to) {
          skipLf = true;
        } else if (buf[eol + 1] == LF) {
          eol++;
        }
      }
      i = eol + 1;
    }
  }

  private void appendToLine(byte[] buf, int from, int n) {
    if (n == 0) return;
    if ((long) lineLen + n > maxBytes) throw fail("line longer than " + maxBytes + " bytes");
    line = ensure(line, lineLen + n);
    System.arraycopy(buf, from, line, lineLen, n);
    lineLen += n;
  }

  private void processLine(byte[] b, int from, int to) {
    if (to - from > maxBytes) throw fail("line longer than " + maxBytes + " bytes");
    if (atStart) {
      atStart = false;
      // The BOM holds no CR or LF byte, so a leading one is always whole at the start of the first line.
      if (to - from >= 3 && b[from] == (byte) 0xEF && b[from + 1] == (byte) 0xBB
          && b[from + 2] == (byte) 0xBF) {
        from += 3;
      }
    }
    if (from == to) {
      dispatch();
      return;
    }
    if (b[from] == COLON) return; // comment
    int nameEnd = from + 1;
    while (nameEnd < to && b[nameEnd] != COLON) nameEnd++;
    int value = nameEnd == to ? to : nameEnd + 1;
    if (value < to && b[value] == SPACE) value++;
    // Comparing raw bytes is exact: no invalid sequence decodes to ASCII, so a name equals "data" after
    // decoding only if its bytes are "data".
    switch (nameEnd - from) {
      case 2 -> {
        if (b[from] == 'i' && b[from + 1] == 'd') setId(b, value, to);
      }
      case 4 -> {
        if (Arrays.equals(b, from, nameEnd, DATA, 0, 4)) appendData(b, value, to);
      }
      case 5 -> {
        if (Arrays.equals(b, from, nameEnd, EVENT, 0, 5)) {
          setType(b, value, to);
        } else if (Arrays.equals(b, from, nameEnd, RETRY, 0, 5)) {
          setRetry(b, value, to);
        }
      }
      default -> {} // an unknown field is ignored
    }
  }

  private void appendData(byte[] b, int from, int to) {
    int n = to - from;
    // The buffer keeps a trailing LF that dispatch removes, so the event's data is dataLen + n bytes.
    if ((long) dataLen + n > maxBytes) throw fail("event data longer than " + maxBytes + " bytes");
    data = ensure(data, dataLen + n + 1);
    System.arraycopy(b, from, data, dataLen, n);
    dataLen += n;
    data[dataLen++] = LF;
  }

  private void setType(byte[] b, int from, int to) {
    int n = to - from;
    type = ensure(type, n);
    System.arraycopy(b, from, type, 0, n);
    typeLen = n;
  }

  private void setId(byte[] b, int from, int to) {
    // U+0000 is encoded as the byte 00 and no invalid sequence decodes to it, so a byte scan is exact.
    for (int i = from; i < to; i++) {
      if (b[i] == 0) return;
    }
    idBuffer = Utf8.decode(b, from, to - from);
  }

  private void setRetry(byte[] b, int from, int to) {
    if (from == to) return; // "" has no digits to interpret: ignored, as browsers do
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) return;
      // Saturate rather than wrap: a longer digit string than a long holds means "wait practically forever".
      v = v > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : v * 10 + d;
    }
    retryMillis = v;
    listener.onRetry(v);
  }

  private void dispatch() {
    lastEventId = idBuffer;
    if (dataLen == 0) {
      clearEvent();
      return;
    }
    String eventType = typeLen == 0 ? SseEvent.DEFAULT_TYPE : typeString();
    // The view reads the data in place: clearing only resets the length (or lets go of a grown array,
    // which the view still holds), and nothing is appended before the listener returns.
    byte[] bytes = data;
    int n = dataLen - 1;
    clearEvent();
    view.open(eventType, bytes, 0, n, lastEventId);
    try {
      listener.onEvent(view);
    } finally {
      view.close();
    }
  }

  /** Empties the data and type buffers, dropping either if one large event grew it. */
  private void clearEvent() {
    dataLen = 0;
    typeLen = 0;
    if (data.length > RETAINED_CAPACITY) data = EMPTY;
    if (type.length > RETAINED_CAPACITY) type = EMPTY;
  }

  private String typeString() {
    if (Arrays.equals(type, 0, typeLen, cachedTypeBytes, 0, cachedTypeBytes.length)) return cachedType;
    String decoded = Utf8.decode(type, 0, typeLen);
    if (typeLen <= MAX_CACHED_TYPE_BYTES) {
      cachedType = decoded;
      cachedTypeBytes = Arrays.copyOf(type, typeLen);
    }
    return decoded;
  }

  private SseException fail(String message) {
    ended = true;
    release();
    return new SseException(message);
  }

  /** Bytes of buffers this parser holds on to between reads, used or not. */
  int retainedBytes() {
    return line.length + data.length + type.length;
  }

  private void release() {
    lineLen = dataLen = typeLen = 0;
    giveBackIdle();
    line = data = type = EMPTY;
    skipLf = false;
  }

  /**
   * After a read: the line, data and type buffers that hold nothing go back to the shared pool, so
   * a parser waiting for its next read holds none (a held stream waits far longer than it parses).
   * Only an event or line split across reads keeps its buffer until it completes.
   */
  private void giveBackIdle() {
    if (lineLen == 0) line = giveBack(line);
    if (dataLen == 0) data = giveBack(data);
    if (typeLen == 0) type = giveBack(type);
  }

  /** Gives {@code buf} back if it is a pooled one, which leaves {@link #EMPTY}; else keeps it. */
  private static byte[] giveBack(byte[] buf) {
    if (buf.length != ScratchArrays.SIZE) return buf;
    ScratchArrays.giveBack(buf);
    return EMPTY;
  }

  private byte[] ensure(byte[] buf, int needed) {
    if (needed <= buf.length) return buf;
    if (buf == EMPTY && needed <= ScratchArrays.SIZE) return ScratchArrays.borrow(needed);
    // Double, but never past what the limit can use: a buffer one byte over the limit is the largest needed.
    long grown = Math.max((long) buf.length * 2, INITIAL_CAPACITY);
    int capacity = (int) Math.max(needed, Math.min(grown, (long) maxBytes + 1));
    byte[] bigger = Arrays.copyOf(buf, capacity);
    giveBack(buf);
    return bigger;
  }
}
