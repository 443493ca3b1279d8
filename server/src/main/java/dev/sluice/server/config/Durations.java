package dev.sluice.server.config;

import java.time.Duration;

/** Parses the configuration's durations: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}. */
public final class Durations {
  private Durations() {}

  public static Duration parse(String text, String key) {
    Duration d = parseSigned(text, key);
    if (d.isNegative()) throw new ConfigException(key + ": '" + text + "' is negative");
    return d;
  }

  private static Duration parseSigned(String text, String key) {
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
      throw new ConfigException(key + ": '" + text + "' is not a duration; write e.g. 500ms, 30s or 10m");
    }
  }
}
