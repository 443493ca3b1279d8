package dev.sluice.sse;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The shared conformance vectors ({@code shared/conformance/sse-vectors.json}), read in place. The file
 * lives beside the checkout ({@code X/main} and {@code X/shared}), so it is looked for in
 * {@code shared/conformance} under the working directory and each of its parents. A missing file fails
 * the tests that use it: conformance must never be skipped silently.
 */
final class SseVectors {

  static final String RELATIVE_PATH = "shared/conformance/sse-vectors.json";

  /**
   * One vector.
   *
   * @param chunks the listed network reads, or null when the vector lists none
   * @param retry the expected reconnection time, or null when the stream sets none
   * @param lastEventId the expected last event ID after the stream, or null when the vector does not say
   */
  record Vector(String name, byte[] input, List<byte[]> chunks, List<SseEvent> events, Long retry,
      String lastEventId, boolean eofCr) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static List<Vector> cached;

  private SseVectors() {}

  static synchronized List<Vector> all() {
    if (cached == null) cached = load(locate());
    return cached;
  }

  static Path locate() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(RELATIVE_PATH);
      if (Files.isRegularFile(candidate)) return candidate;
    }
    return fail("conformance vectors not found: no " + RELATIVE_PATH + " under " + start + " or any parent");
  }

  static List<Vector> load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
    List<Vector> vectors = new ArrayList<>();
    for (JsonNode v : root.required("vectors")) {
      String name = v.required("name").asText();
      byte[] input = v.has("input_base64") ? base64(v.get("input_base64")) : utf8(v.required("input"));
      List<byte[]> chunks = null;
      if (v.has("chunks_base64")) {
        chunks = new ArrayList<>();
        for (JsonNode c : v.get("chunks_base64")) chunks.add(base64(c));
      } else if (v.has("chunks")) {
        chunks = new ArrayList<>();
        for (JsonNode c : v.get("chunks")) chunks.add(utf8(c));
      }
      List<SseEvent> events = new ArrayList<>();
      for (JsonNode e : v.required("events")) {
        events.add(new SseEvent(e.required("event").asText(), e.required("data").asText(), e.required("id").asText()));
      }
      JsonNode retry = v.required("retry");
      Long expectedRetry = retry.isNull() ? null : retry.asLong();
      String lastEventId = v.has("last_event_id") ? v.get("last_event_id").asText() : null;
      boolean eofCr = v.path("eof_cr").asBoolean(false);
      vectors.add(new Vector(name, input, chunks, List.copyOf(events), expectedRetry, lastEventId, eofCr));
    }
    if (vectors.isEmpty()) fail(file + " holds no vectors");
    return List.copyOf(vectors);
  }

  private static byte[] base64(JsonNode node) {
    return Base64.getDecoder().decode(node.asText());
  }

  private static byte[] utf8(JsonNode node) {
    if (!node.isTextual()) throw new AssertionError("expected a string, got " + node);
    return node.asText().getBytes(StandardCharsets.UTF_8);
  }
}
