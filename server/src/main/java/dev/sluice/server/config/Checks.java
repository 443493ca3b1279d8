package dev.sluice.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * The checks a value passes beyond its YAML type, each failing with a {@link ConfigException} that
 * names the key ({@code path}) and says what is expected.
 */
final class Checks {
  private Checks() {}

  static String nonEmpty(String value, String path) {
    if (value != null && !value.isBlank()) return value;
    throw new ConfigException(path + ": expected a non-empty string");
  }

  static int atLeast(int value, int min, String path) {
    if (value >= min) return value;
    throw new ConfigException(path + ": expected a whole number of at least " + min);
  }

  static Duration positive(Duration value, String path) {
    if (value.isZero()) throw new ConfigException(path + ": must be more than zero");
    return value;
  }

  /** An {@code http} or {@code https} URL with a host. */
  static URI httpUrl(String text, String path) {
    URI u = url(text, Set.of("http", "https"));
    if (u == null) throw new ConfigException(path + ": '" + text + "' is not an http(s) URL");
    return u;
  }

  /** A {@code redis://} or {@code rediss://} URL; the error does not echo it, as it may hold a password. */
  static URI redisUrl(String text, String path) {
    URI u = url(text, Set.of("redis", "rediss"));
    if (u == null) throw new ConfigException(path + ": expected redis://host:port");
    return u;
  }

  /** The URL {@code text} writes if it has one of {@code schemes} and a host, else null. */
  private static URI url(String text, Set<String> schemes) {
    try {
      URI u = URI.create(text.trim());
      return u.getScheme() != null && schemes.contains(u.getScheme()) && u.getHost() != null ? u : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static int port(String text, String path) {
    try {
      int p = Integer.parseInt(text.trim());
      if (p >= 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // Reported below with the key's name.
    }
    throw new ConfigException(path + ": '" + text + "' is not a port number (0-65535)");
  }
}
