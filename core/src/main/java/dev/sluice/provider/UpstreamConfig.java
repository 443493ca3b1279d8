package dev.sluice.provider;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What every HTTP upstream is configured with, whatever wire format it speaks. A provider's own
 * configuration holds one of these and adds its wire format's settings.
 *
 * @param name the routing name ({@code openai}, {@code ollama}, {@code anthropic}, ...)
 * @param baseUrl the API root the provider's endpoint path is appended to; a trailing slash is dropped
 * @param apiKey the key the provider sends in its own header, or null to send none (a local server, or a
 *     proxy that adds it)
 * @param models the model names to advertise, without the provider prefix
 * @param connectTimeout the connect timeout of a client built for this provider alone (a provider's
 *     {@code standalone}); with the gateway's shared client, that client's connect timeout applies, and
 *     {@code headersTimeout} bounds connecting too
 * @param headersTimeout from sending the request to the response headers, connecting included (the
 *     stream's own timer, see {@code HttpEventStream}); it does not bound reading the body
 */
public record UpstreamConfig(
    String name,
    URI baseUrl,
    String apiKey,
    List<String> models,
    Duration connectTimeout,
    Duration headersTimeout) {

  public UpstreamConfig {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("name is required");
    if (baseUrl == null || baseUrl.getHost() == null) throw new IllegalArgumentException("baseUrl must be absolute");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("baseUrl must be http or https: " + baseUrl);
    }
    if (baseUrl.getQuery() != null || baseUrl.getFragment() != null) {
      throw new IllegalArgumentException("baseUrl must have no query or fragment: " + baseUrl);
    }
    String text = baseUrl.toString();
    if (text.endsWith("/")) baseUrl = URI.create(text.substring(0, text.length() - 1));
    if (apiKey != null && apiKey.isBlank()) apiKey = null;
    models = models == null ? List.of() : List.copyOf(models);
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(headersTimeout, "headersTimeout");
  }

  /** {@code {baseUrl}{path}}: the endpoint at {@code path} (which starts with a slash) under the API root. */
  public URI endpoint(String path) {
    return URI.create(baseUrl + path);
  }

  /** Never shows the key: configurations end up in logs. */
  @Override
  public String toString() {
    String key = apiKey == null ? "none" : "[redacted]";
    return "UpstreamConfig[name=" + name + ", baseUrl=" + baseUrl + ", apiKey=" + key + ", models=" + models
        + ", connectTimeout=" + connectTimeout + ", headersTimeout=" + headersTimeout + "]";
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive");
  }
}
