package dev.sluice.sse;

import java.nio.charset.StandardCharsets;

/**
 * One dispatched event with its data still as the stream's UTF-8 bytes, in the parser's own buffer:
 * what an {@link SseListener} on the per-chunk path reads instead of an {@link SseEvent}, so that a
 * reader that takes bytes (a UTF-8 JSON parser) gets them with no String made per event.
 *
 * <p>The bytes are the event's data buffer exactly as received, the {@code data} values joined with
 * LF without the final LF, invalid UTF-8 included. {@link #data()} is the same data as the String an
 * {@link SseEvent} holds (WHATWG-decoded, U+FFFD for invalid sequences), made on first call only.
 *
 * <p><b>Valid only during the callback.</b> The parser reuses this object and its buffer for the next
 * event; once the callback returns, every accessor throws {@link IllegalStateException}. A listener
 * that keeps an event keeps {@link #toEvent()}. Views made by {@link #of(SseEvent)} stay valid.
 */
public final class SseEventView {

  private String type = SseEvent.DEFAULT_TYPE;
  private byte[] bytes;
  private int offset;
  private int length;
  private String lastEventId = "";
  /** The decoded data, once asked for; set from the start for a view of an {@link SseEvent}. */
  private String data;
  /** 0 not yet known, 1 well-formed, -1 not: the bytes and {@link #data} say the same thing only if 1. */
  private int wellFormed;
  private boolean valid;

  /** The parser's reused view; invalid until {@link #open}. */
  SseEventView() {}

  /**
   * A view of {@code event}, valid for as long as it is kept: for code that holds events as Strings
   * (tests, replays) and feeds a listener that reads views. Its bytes are the data encoded as UTF-8.
   */
  public static SseEventView of(SseEvent event) {
    SseEventView view = new SseEventView();
    byte[] utf8 = event.data().getBytes(StandardCharsets.UTF_8);
    view.open(event.type(), utf8, 0, utf8.length, event.lastEventId());
    view.data = event.data();
    // An unpaired surrogate is encoded as '?': then the bytes do not say what the String says.
    view.wellFormed = new String(utf8, StandardCharsets.UTF_8).equals(event.data()) ? 1 : -1;
    return view;
  }

  /** Points this view at the next event; the parser calls {@link #close} once its listener returns. */
  void open(String type, byte[] bytes, int offset, int length, String lastEventId) {
    this.type = type;
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.lastEventId = lastEventId;
    this.data = null;
    this.wellFormed = 0;
    this.valid = true;
  }

  /** Ends the callback: the buffer is the parser's again, and this view must not be read. */
  void close() {
    valid = false;
    bytes = null;
    data = null;
  }

  /** The event type, as {@link SseEvent#type()}. */
  public String type() {
    check();
    return type;
  }

  /** The last event ID at dispatch, as {@link SseEvent#lastEventId()}. */
  public String lastEventId() {
    check();
    return lastEventId;
  }

  /** The array holding the data's bytes, from {@link #dataOffset()} for {@link #dataLength()} bytes. Read only. */
  public byte[] dataArray() {
    check();
    return bytes;
  }

  public int dataOffset() {
    check();
    return offset;
  }

  public int dataLength() {
    check();
    return length;
  }

  /** The data as a String, exactly as {@link SseEvent#data()}: decoded on the first call, then kept. */
  public String data() {
    check();
    if (data == null) data = Utf8.decode(bytes, offset, length);
    return data;
  }

  /**
   * True if the data's bytes are well-formed UTF-8, so that a strict UTF-8 reader of
   * {@link #dataArray()} sees exactly the characters of {@link #data()}; false if they hold an invalid
   * sequence, which {@link #data()} shows as U+FFFD. Checked once, ASCII eight bytes at a time.
   */
  public boolean isWellFormedUtf8() {
    check();
    if (wellFormed == 0) wellFormed = Utf8.isWellFormed(bytes, offset, length) ? 1 : -1;
    return wellFormed > 0;
  }

  /** {@code data().startsWith(prefix)} for an ASCII prefix, without decoding. */
  public boolean dataStartsWith(String asciiPrefix) {
    check();
    int n = asciiPrefix.length();
    if (n > length) return false;
    for (int i = 0; i < n; i++) {
      char c = asciiPrefix.charAt(i);
      if (c > 0x7F) throw new IllegalArgumentException("not an ASCII prefix: " + asciiPrefix);
      // An ASCII byte always decodes to itself, and nothing else decodes to an ASCII character.
      if (bytes[offset + i] != c) return false;
    }
    return true;
  }

  /** {@code data().isBlank()}, without decoding unless a non-ASCII byte comes before any non-blank one. */
  public boolean isDataBlank() {
    check();
    for (int i = offset, end = offset + length; i < end; i++) {
      byte b = bytes[i];
      if (b < 0) return data().isBlank(); // non-ASCII: Unicode spaces are blank too, so decode
      if (!Character.isWhitespace(b)) return false;
    }
    return true;
  }

  /** The event as an {@link SseEvent}, which may be kept after the callback. */
  public SseEvent toEvent() {
    return new SseEvent(type(), data(), lastEventId);
  }

  @Override
  public String toString() {
    return valid ? "SseEventView[type=" + type + ", data=" + data() + ", lastEventId=" + lastEventId + "]"
        : "SseEventView[closed]";
  }

  private void check() {
    if (!valid) throw new IllegalStateException("an SseEventView is valid only during the listener's call");
  }
}
