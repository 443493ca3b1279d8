package dev.sluice.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Who the gateway answers at its edge, beyond its own origin and loopback names: the origins whose
 * pages may call it ({@code server.allowed_origins}, {@code SLUICE_ALLOWED_ORIGINS}) and the extra
 * {@code Host} names served while it listens on loopback ({@code server.allowed_hosts},
 * {@code SLUICE_ALLOWED_HOSTS}), for a deployment behind a proxy.
 *
 * @param allowedOrigins {@code scheme://host[:port]}, as browsers send them in {@code Origin}
 * @param allowedHosts bare host names, as in {@code Host} without the port
 */
public record EdgeSettings(List<String> allowedOrigins, List<String> allowedHosts) {
  public static final EdgeSettings DEFAULT = new EdgeSettings(List.of(), List.of());

  public EdgeSettings {
    allowedOrigins = List.copyOf(allowedOrigins);
    allowedHosts = List.copyOf(allowedHosts);
  }

  /** Checks an origin is {@code http(s)://host[:port]} with nothing else, as {@code Origin} headers are. */
  static String origin(String text, String path) {
    String value = text.trim();
    try {
      URI uri = new URI(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getRawUserInfo() == null && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
          && uri.getRawQuery() == null && uri.getRawFragment() == null) {
        return value;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(path + ": expected an origin such as https://chat.example.com, not '" + value + "'");
  }

  /** Checks a host is a bare name or address, without scheme, port or path. */
  static String host(String text, String path) {
    String value = text.trim();
    if (value.isEmpty() || !value.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]")) {
      throw new ConfigException(path + ": expected a host name such as chat.example.com, not '" + value + "'");
    }
    return value;
  }
}
