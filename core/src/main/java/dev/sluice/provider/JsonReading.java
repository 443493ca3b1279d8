package dev.sluice.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.json.Json;
import dev.sluice.sse.SseEventView;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.io.StringWriter;

/**
 * The small pieces every streaming read of upstream JSON shares, whatever the wire format. Upstream
 * JSON is read leniently: a field of an unexpected shape is skipped, never an error.
 */
public final class JsonReading {

  /** Thread-safe; one for the providers. */
  public static final JsonFactory FACTORY = Json.newFactory();

  private JsonReading() {}

  /** Reads the fields of the JSON object the parser has just entered, up to its end. */
  @FunctionalInterface
  public interface ObjectReader {
    void read(JsonParser p) throws IOException;
  }

  /**
   * Reads the data of one upstream event as exactly one JSON object with {@code fields}. Returns null
   * if it was one; else the error to fail with, which calls the data a {@code unit} ({@code chunk},
   * {@code event}) and quotes it.
   *
   * <p>The data is read from the event's UTF-8 bytes with Jackson's byte parser, so no String is made
   * for it. Two rare kinds of data are read from {@link SseEventView#data()} instead, so that the
   * characters read are always those the event-stream decoding gives: data with invalid UTF-8 (decoded,
   * it holds U+FFFD where a strict byte parser would fail), and data whose first bytes Jackson's
   * encoding detection would take for a BOM or UTF-16/32 (a zero byte first or second, or EF first;
   * no JSON object starts so).
   */
  public static GatewayError readObject(SseEventView event, String unit, UpstreamErrors errors, ObjectReader fields) {
    try (JsonParser p = readsAsUtf8(event)
        ? FACTORY.createParser(event.dataArray(), event.dataOffset(), event.dataLength())
        : FACTORY.createParser(event.data())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return errors.malformed(withArticle(unit) + " that is not a JSON object", event.data());
      }
      fields.read(p);
      if (p.nextToken() != null) {
        return errors.malformed(withArticle(unit) + " with data after its JSON object", event.data());
      }
      return null;
    } catch (JsonProcessingException e) {
      return errors.malformed("a malformed " + unit + " (" + e.getOriginalMessage() + ")", event.data());
    } catch (IOException e) {
      // Parsing memory does no I/O; Jackson declares it anyway.
      return errors.malformed("an unreadable " + unit + " (" + e.getMessage() + ")", event.data());
    }
  }

  private static boolean readsAsUtf8(SseEventView event) {
    byte[] b = event.dataArray();
    int off = event.dataOffset();
    int len = event.dataLength();
    if (len > 0 && (b[off] == 0 || b[off] == (byte) 0xEF)) return false;
    if (len > 1 && b[off + 1] == 0) return false;
    return event.isWellFormedUtf8();
  }

  /** "a chunk", "an event": on the failure path only, so that reading a chunk builds no message. */
  private static String withArticle(String unit) {
    return ("aeiou".indexOf(unit.charAt(0)) >= 0 ? "an " : "a ") + unit;
  }

  /** The text of a scalar value ({@code t} is its token), or null for null and for containers, which are skipped. */
  public static String scalar(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) return null;
    if (t.isScalarValue()) return p.getValueAsString();
    p.skipChildren();
    return null;
  }

  /** A string value, or null for any other value, which is skipped. */
  public static String string(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) return p.getText();
    p.skipChildren();
    return null;
  }

  /** A number value as a long, or {@code otherwise} for any other value, which is skipped. */
  public static long number(JsonParser p, JsonToken t, long otherwise) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getValueAsLong();
    p.skipChildren();
    return otherwise;
  }

  /** True if the value is an object, to be read field by field; any other value is skipped. */
  public static boolean isObject(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.START_OBJECT) return true;
    p.skipChildren();
    return false;
  }

  /** Skips the value the parser is on and returns {@code instead}: for a value of a shape not read. */
  public static <T> T skip(JsonParser p, T instead) throws IOException {
    p.skipChildren();
    return instead;
  }

  /** The value the parser is on as JSON text: an object where the canonical form is text (tool arguments). */
  public static String serialize(JsonParser p) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }
}
