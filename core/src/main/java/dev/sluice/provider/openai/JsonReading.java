package dev.sluice.provider.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.json.Json;
import java.io.IOException;

/**
 * The small pieces every streaming read of upstream JSON in this package shares. Upstream JSON is
 * read leniently: a field of an unexpected shape is skipped, never an error.
 */
final class JsonReading {

  /** Thread-safe; one for the package. */
  static final JsonFactory FACTORY = Json.newFactory();

  private JsonReading() {}

  /** The text of a scalar value ({@code t} is its token), or null for null and for containers, which are skipped. */
  static String scalar(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) return null;
    if (t.isScalarValue()) return p.getValueAsString();
    p.skipChildren();
    return null;
  }

  /** A number value as a long, or {@code otherwise} for any other value, which is skipped. */
  static long number(JsonParser p, JsonToken t, long otherwise) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getValueAsLong();
    p.skipChildren();
    return otherwise;
  }

  /** True if the value is an object, to be read field by field; any other value is skipped. */
  static boolean isObject(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.START_OBJECT) return true;
    p.skipChildren();
    return false;
  }
}
