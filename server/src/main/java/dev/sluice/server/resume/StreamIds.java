package dev.sluice.server.resume;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Browser stream ids: {@code st_} and 32 lowercase hex digits, 128 bits from {@link SecureRandom}.
 * An id is handed to the browser and may leak (logs, a shared screen); it must not be guessable
 * from others (a {@code ThreadLocalRandom} id is: its state follows from a few outputs), though
 * ownership ({@link StreamAccess}), not secrecy, is what keeps tenants apart.
 */
public final class StreamIds {
  private static final String PREFIX = "st_";
  private static final int HEX_DIGITS = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private StreamIds() {}

  /** A new id. */
  public static String next() {
    byte[] bits = new byte[HEX_DIGITS / 2];
    RANDOM.nextBytes(bits);
    return PREFIX + HexFormat.of().formatHex(bits);
  }

  /** True if {@code id} has the shape of a stream id. */
  public static boolean isValid(String id) {
    if (id.length() != PREFIX.length() + HEX_DIGITS || !id.startsWith(PREFIX)) return false;
    for (int i = PREFIX.length(); i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
    }
    return true;
  }
}
