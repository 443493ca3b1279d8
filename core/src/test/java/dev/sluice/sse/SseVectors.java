package dev.sluice.sse;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The SSE conformance vectors, a test resource ({@code sse/sse-vectors.json}): streams and the events
 * the WHATWG HTML "Server-sent events" parsing rules dispatch for them. A missing or empty file fails
 * the tests that use it: conformance must never be skipped silently.
 */
final class SseVectors {

  static final String RESOURCE = "/sse/sse-vectors.json";

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
    if (cached == null) cached = load(RESOURCE);
    return cached;
  }

  static List<Vector> load(String resource) {
    JsonNode root;
    try (InputStream in = SseVectors.class.getResourceAsStream(resource)) {
      if (in == null) return fail("conformance vectors not found: no test resource " + resource);
      root = new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + resource, e);
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
    if (vectors.isEmpty()) fail(resource + " holds no vectors");
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
