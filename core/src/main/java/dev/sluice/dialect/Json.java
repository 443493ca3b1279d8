package dev.sluice.dialect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The shared Jackson factory and a one-call way to write small JSON texts with the streaming API. */
public final class Json {
  /** Thread-safe once configured; shared by every codec. */
  public static final ObjectMapper MAPPER = new ObjectMapper();
  public static final JsonFactory FACTORY = MAPPER.getFactory();

  private Json() {}

  /** Writes one JSON text with the streaming generator (no tree) and returns it. */
  public static String write(JsonBody body) {
    var out = new SegmentedStringWriter(new BufferRecycler());
    try {
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        body.write(g);
      }
      return out.getAndClear();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory failed", e);
    }
  }

  /** Code that writes one JSON value to a generator. */
  @FunctionalInterface
  public interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }
}
