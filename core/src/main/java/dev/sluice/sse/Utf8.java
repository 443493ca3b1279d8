package dev.sluice.sse;

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

  private Utf8() {}

  /** Decodes {@code len} bytes from {@code off}; no BOM handling (the parser strips it itself). */
  static String decode(byte[] b, int off, int len) {
    if (len == 0) return "";
    String fast = new String(b, off, len, StandardCharsets.UTF_8);
    return fast.indexOf(REPLACEMENT) < 0 ? fast : decodeWhatwg(b, off, len);
  }

  /**
   * The WHATWG "UTF-8 decoder" run to the end of its input. Each lead byte fixes how many continuation
   * bytes follow and the range the first of them may take (this is what rejects overlongs, surrogates
   * and code points past U+10FFFF at the earliest byte); the first byte outside that range ends the
   * invalid subpart and is then read again as a fresh start.
   */
  static String decodeWhatwg(byte[] b, int off, int len) {
    // One UTF-16 unit per byte at most: ASCII and U+FFFD are one unit for one byte or more, and a
    // supplementary character is two units for four bytes.
    char[] out = new char[len];
    int n = 0;
    int i = off;
    int end = off + len;
    while (i < end) {
      int x = b[i] & 0xFF;
      if (x < 0x80) {
        out[n++] = (char) x;
        i++;
        continue;
      }
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
        out[n++] = REPLACEMENT; // 80..C1 and F5..FF never start a sequence
        i++;
        continue;
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
      if (seen == needed) {
        n += Character.toChars(cp, out, n);
      } else {
        out[n++] = REPLACEMENT; // bytes i..j-1 are one maximal subpart; b[j] is read again
      }
      i = j;
    }
    return new String(out, 0, n);
  }
}
