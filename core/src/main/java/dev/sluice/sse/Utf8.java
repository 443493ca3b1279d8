package dev.sluice.sse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 decoding with the WHATWG Encoding standard's error handling, which the event-stream format
 * requires: every maximal invalid subpart becomes one U+FFFD.
 *
 * <p>The JDK decoder agrees with WHATWG except on encoded surrogates: for {@code ED A0 80} it gives one
 * U+FFFD where WHATWG gives three (ED only admits 80..9F as its second byte, so each byte is its own
 * invalid subpart). Rather than scan every value for that pattern, {@link #decode} takes the JDK's
 * intrinsic path and redoes the work by hand only when the result holds a U+FFFD at all, which for
 * well-formed traffic is almost never and for Latin-1 text cannot happen (a compact Latin-1 string
 * cannot contain U+FFFD, so the check returns at once).
 */
final class Utf8 {

  static final char REPLACEMENT = '\uFFFD';
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGHS = 0x8080808080808080L;

  private Utf8() {}

  /** Decodes {@code len} bytes from {@code off}; no BOM handling (the parser strips it itself). */
  static String decode(byte[] b, int off, int len) {
    if (len == 0) return "";
    String fast = new String(b, off, len, StandardCharsets.UTF_8);
    return fast.indexOf(REPLACEMENT) < 0 ? fast : decodeWhatwg(b, off, len);
  }

  /**
   * True if {@code len} bytes from {@code off} are well-formed UTF-8: {@link #decode} then gives no
   * U+FFFD it did not read as one, and any strict UTF-8 reader sees exactly the characters it gives.
   * ASCII, most of an LLM stream's JSON, is checked eight bytes at a time.
   */
  static boolean isWellFormed(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end) {
      if (i <= end - Long.BYTES && ((long) LONGS.get(b, i) & HIGHS) == 0) {
        i += Long.BYTES;
        continue;
      }
      if (b[i] >= 0) {
        i++;
        continue;
      }
      long s = sequence(b, i, end);
      if (codePoint(s) < 0) return false;
      i += length(s);
    }
    return true;
  }

  /**
   * The WHATWG "UTF-8 decoder" run to the end of its input: each maximal invalid subpart becomes one
   * U+FFFD, and the byte that ended it is read again as a fresh start.
   */
  static String decodeWhatwg(byte[] b, int off, int len) {
    // One UTF-16 unit per byte at most: ASCII and U+FFFD are one unit for one byte or more, and a
    // supplementary character is two units for four bytes.
    char[] out = new char[len];
    int n = 0;
    int i = off;
    int end = off + len;
    while (i < end) {
      if (b[i] >= 0) {
        out[n++] = (char) b[i++];
        continue;
      }
      long s = sequence(b, i, end);
      int cp = codePoint(s);
      if (cp >= 0) {
        n += Character.toChars(cp, out, n);
      } else {
        out[n++] = REPLACEMENT;
      }
      i += length(s);
    }
    return new String(out, 0, n);
  }

  /**
   * The sequence that starts with the non-ASCII byte {@code b[i]}: its length in bytes and its code
   * point, or -1 for a maximal invalid subpart. Each lead byte fixes how many continuation bytes follow
   * and the range the first of them may take (this is what rejects overlongs, surrogates and code points
   * past U+10FFFF at the earliest byte); the first byte outside that range ends the invalid subpart.
   */
  private static long sequence(byte[] b, int i, int end) {
    int x = b[i] & 0xFF;
    int needed;
    int cp;
    int lower = 0x80;
    int upper = 0xBF;
    if (x >= 0xC2 && x <= 0xDF) {
      needed = 1;
      cp = x & 0x1F;
    } else if (x >= 0xE0 && x <= 0xEF) {
      needed = 2;
      cp = x & 0x0F;
      if (x == 0xE0) lower = 0xA0; // below: overlong
      if (x == 0xED) upper = 0x9F; // above: surrogates
    } else if (x >= 0xF0 && x <= 0xF4) {
      needed = 3;
      cp = x & 0x07;
      if (x == 0xF0) lower = 0x90; // below: overlong
      if (x == 0xF4) upper = 0x8F; // above: past U+10FFFF
    } else {
      return packed(1, -1); // 80..C1 and F5..FF never start a sequence
    }
    int j = i + 1;
    int seen = 0;
    while (seen < needed && j < end) {
      int y = b[j] & 0xFF;
      if (y < lower || y > upper) break;
      cp = (cp << 6) | (y & 0x3F);
      lower = 0x80;
      upper = 0xBF;
      seen++;
      j++;
    }
    // Bytes i..j-1 are one character, or one maximal invalid subpart whose b[j] is read again.
    return packed(j - i, seen == needed ? cp : -1);
  }

  private static long packed(int length, int codePoint) {
    return ((long) length << 32) | (codePoint & 0xFFFFFFFFL);
  }

  private static int length(long sequence) {
    return (int) (sequence >>> 32);
  }

  private static int codePoint(long sequence) {
    return (int) sequence;
  }
}
