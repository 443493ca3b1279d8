package dev.sluice.server.endpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The static files of the web UI besides the chat page (the route table serves that one), read from
 * the classpath: Sluice's own pages and modules (under {@code /web/}, loaded once at start,
 * revalidated by browsers on every use since they change with each build) and the WebJars of
 * third-party libraries ({@code /webjars/<name>/<version>/...} from {@code
 * META-INF/resources/webjars/}, cached for a year: the version is in the path, so a file at a path
 * never changes).
 */
public final class WebAssets {
  /** A text file to send: its content, content type and Cache-Control value. */
  public record Asset(String body, String contentType, String cacheControl) {}

  private static final String NO_CACHE = "no-cache";
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  /** Letters, digits and {@code . _ -} per segment: no {@code ..}, no encoded characters, no empty segment. */
  private static final Pattern WEBJAR_PATH =
      Pattern.compile("/webjars(/[A-Za-z0-9_-][A-Za-z0-9._-]*){3,8}");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "json", "application/json",
      "svg", "image/svg+xml",
      "map", "application/json");

  private final Map<String, Asset> own;
  /** WebJar files already read; the set of paths is bounded by the jars on the classpath. */
  private final Map<String, Asset> webjars = new ConcurrentHashMap<>();

  public WebAssets() {
    own = Map.of(
        "/dashboard", load("/web/dashboard.html", NO_CACHE),
        "/dashboard.js", load("/web/dashboard.js", NO_CACHE),
        "/sluice.js", load("/web/sluice.js", NO_CACHE),
        "/sluice-react.js", load("/web/sluice-react.js", NO_CACHE),
        "/markdown.js", load("/web/markdown.js", NO_CACHE),
        "/prometheus.js", load("/web/prometheus.js", NO_CACHE));
  }

  /** The asset served at this path, or null when there is none. */
  public Asset find(String path) {
    Asset a = own.get(path);
    if (a != null || !WEBJAR_PATH.matcher(path).matches() || !TYPES.containsKey(extension(path))) return a;
    Asset cached = webjars.get(path);
    if (cached != null) return cached;
    String resource = "/META-INF/resources" + path;
    if (WebAssets.class.getResource(resource) == null) return null;
    Asset loaded = load(resource, IMMUTABLE);
    webjars.put(path, loaded);
    return loaded;
  }

  private static Asset load(String resource, String cacheControl) {
    try (InputStream in = WebAssets.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing resource " + resource);
      return new Asset(new String(in.readAllBytes(), StandardCharsets.UTF_8), TYPES.get(extension(resource)), cacheControl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String extension(String path) {
    int dot = path.lastIndexOf('.');
    int slash = path.lastIndexOf('/');
    // Extension-less paths of our own (/dashboard) are pages.
    return dot > slash ? path.substring(dot + 1) : "html";
  }
}
