package dev.sluice.server.config;

import java.time.Duration;

/** Parses the configuration's durations: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}. */
public final class Durations {
  private Durations() {}

  /** The duration {@code text} writes, or a {@link ConfigException} naming {@code key}. */
  public static Duration parse(String text, String key) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": " + e.getMessage());
    }
  }

  /**
   * The duration {@code text} writes.
   *
   * @throws IllegalArgumentException saying what is wrong with it, without naming a key
   */
  static Duration parse(String text) {
    Duration d = parseSigned(text);
    if (d.isNegative()) throw new IllegalArgumentException("'" + text + "' is negative");
    return d;
  }

  private static Duration parseSigned(String text) {
    String s = text.trim();
    try {
      if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
      long n = Long.parseLong(s.substring(0, s.length() - 1).trim());
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 30s or 10m");
    }
  }
}
