package dev.sluice.server.guard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Virtual key secrets: made from 256 random bits, shown once, stored only as their SHA-256. A fast
 * hash is right here (unlike for passwords): the secret is random, not chosen by a person, so there
 * is no dictionary to try and 2^256 guesses are out of reach however fast each is; and a fast hash
 * lets every request be checked with one indexed lookup.
 */
public final class KeySecrets {
  public static final String PREFIX = "sk-sluice-";
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeySecrets() {}

  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String newId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return "key_" + HexFormat.of().formatHex(bytes);
  }

  /** SHA-256 of the secret, in hex. */
  public static String hash(String secret) {
    return HexFormat.of().formatHex(sha256(secret));
  }

  /** {@code sk-sluice-...} and the last four characters. */
  public static String hint(String secret) {
    return PREFIX + "..." + secret.substring(secret.length() - 4);
  }

  /** Compares two secrets in time that depends on neither (both are hashed to 32 bytes first). */
  public static boolean constantTimeEquals(String a, String b) {
    if (a == null || b == null) return false;
    return MessageDigest.isEqual(sha256(a), sha256(b));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
