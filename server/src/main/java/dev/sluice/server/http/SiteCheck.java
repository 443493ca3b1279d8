package dev.sluice.server.http;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Refuses what a browser sends on behalf of another site, before anything starts. Open mode (no
 * key yet) serves whoever reaches the port, which on a laptop includes every page its browser
 * opens: an {@code <img src="http://127.0.0.1:8080/api/chat/stream?prompt=...">} would spend the
 * operator's provider key, and a DNS-rebinding page (a foreign name that resolves to 127.0.0.1)
 * could read the answers. So:
 *
 * <ul>
 *   <li>Listening on loopback only, the gateway answers only loopback {@code Host} names
 *       ({@code localhost}, {@code *.localhost}, {@code 127.0.0.0/8}, {@code [::1]}) and the
 *       configured extra hosts: a rebound name is refused.
 *   <li>A request whose {@code Origin} is not the gateway's own origin (nor a configured one), or
 *       that says {@code Sec-Fetch-Site: cross-site} (an {@code <img>} or a link sends no
 *       {@code Origin}, but a current browser sends this), is refused.
 * </ul>
 *
 * Clients that are not browsers send neither header and are served as before. The allowlists serve
 * deployments behind a proxy, whose public name and page origin differ from the listener's.
 */
public final class SiteCheck {
  /** How much of a caller's header value an error message quotes. */
  private static final int QUOTE_CHARS = 80;

  private final boolean loopbackOnly;
  private final Set<String> allowedOrigins;
  private final Set<String> allowedHosts;

  /**
   * @param listenHost the address the gateway listens on; a loopback one turns the {@code Host} check on
   * @param allowedOrigins origins ({@code https://chat.example.com}) whose pages may call the gateway
   * @param allowedHosts extra {@code Host} names served while listening on loopback (e.g. a proxy's)
   */
  public SiteCheck(String listenHost, Collection<String> allowedOrigins, Collection<String> allowedHosts) {
    this.loopbackOnly = isLoopbackAddress(listenHost);
    this.allowedOrigins = lowerCase(allowedOrigins);
    this.allowedHosts = lowerCase(allowedHosts);
  }

  /** Why the request is refused (403 {@code cross_site_request} or {@code host_not_allowed}), or null to serve it. */
  public GatewayError refusal(Request request) {
    HttpFields headers = request.getHeaders();
    String host = Request.getServerName(request);
    if (loopbackOnly && !isLoopbackName(host) && !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return new GatewayError(ErrorType.PERMISSION, "Host '" + quote(host) + "' is not served: this gateway listens on "
          + "loopback and answers loopback names only (configure server.allowed_hosts to serve others).",
          null, "host_not_allowed", 0, null);
    }
    String origin = headers.get(HttpHeader.ORIGIN);
    if (origin != null) {
      if (isOwnOrigin(origin, request) || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) return null;
      return crossSite("a page at '" + quote(origin) + "'");
    }
    if ("cross-site".equalsIgnoreCase(headers.get("Sec-Fetch-Site"))) return crossSite("a page on another site");
    return null;
  }

  private static GatewayError crossSite(String who) {
    return new GatewayError(ErrorType.PERMISSION, "Cross-site request refused: " + who + " may not call this gateway "
        + "(configure server.allowed_origins to allow one).", null, "cross_site_request", 0, null);
  }

  /** True if {@code origin} is {@code scheme://host[:port]} of this very request. */
  private static boolean isOwnOrigin(String origin, Request request) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false; // "null" (sandboxed frames, files) and garbage are never our own
    }
    if (uri.getScheme() == null || uri.getHost() == null) return false;
    int originPort = uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
    String scheme = request.getHttpURI().getScheme();
    return uri.getScheme().equalsIgnoreCase(scheme == null ? "http" : scheme)
        && sameHost(uri.getHost(), Request.getServerName(request))
        && originPort == Request.getServerPort(request);
  }

  private static boolean sameHost(String a, String b) {
    return strip(a).equalsIgnoreCase(strip(b));
  }

  private static String strip(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static int defaultPort(String scheme) {
    return scheme.equalsIgnoreCase("https") ? 443 : 80;
  }

  /** A loopback name or literal: never resolved, so that the check itself cannot be rebound. */
  static boolean isLoopbackName(String host) {
    String h = strip(host.toLowerCase(Locale.ROOT));
    if (h.equals("localhost") || h.endsWith(".localhost")) return true;
    if (h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) return true;
    String[] octets = h.split("\\.", -1);
    if (octets.length != 4 || !octets[0].equals("127")) return false;
    for (String o : octets) {
      if (o.isEmpty() || o.length() > 3 || !o.chars().allMatch(Character::isDigit) || Integer.parseInt(o) > 255) return false;
    }
    return true;
  }

  private static boolean isLoopbackAddress(String listenHost) {
    if (listenHost == null || listenHost.isEmpty()) return false; // all interfaces
    if (isLoopbackName(listenHost)) return true;
    try {
      return InetAddress.getByName(listenHost).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Set<String> lowerCase(Collection<String> values) {
    return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  /** A caller's value, bounded and without control characters, fit to quote in an error. */
  private static String quote(String value) {
    String bounded = value.length() > QUOTE_CHARS ? value.substring(0, QUOTE_CHARS) + "..." : value;
    return bounded.codePoints().filter(c -> !Character.isISOControl(c))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }
}
