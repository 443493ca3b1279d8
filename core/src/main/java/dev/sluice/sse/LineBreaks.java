package dev.sluice.sse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds the next CR or LF byte, eight bytes per step: the scan both the parser and the writer run over
 * every byte. (CR and LF never occur inside a multi-byte UTF-8 sequence, so a byte scan is exact.)
 */
final class LineBreaks {

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
  private static final long CRS = 0x0D0D0D0D0D0D0D0DL;

  private LineBreaks() {}

  /** The index of the first CR or LF in {@code b[from..to)}, or -1 if there is none. */
  static int indexOf(byte[] b, int from, int to) {
    int i = from;
    for (; i <= to - Long.BYTES; i += Long.BYTES) {
      long word = (long) LONGS.get(b, i);
      long lf = word ^ LFS; // a zero byte where the byte is LF
      long cr = word ^ CRS;
      // (x - 0x01..) & ~x & 0x80.. flags each zero byte of x. Bytes above the first zero may be flagged
      // falsely (a borrow runs upward), but the lowest flag is exact, and little-endian puts it first.
      long found = ((lf - ONES) & ~lf | (cr - ONES) & ~cr) & HIGHS;
      if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
    }
    for (; i < to; i++) {
      byte c = b[i];
      if (c == '\n' || c == '\r') return i;
    }
    return -1;
  }
}
