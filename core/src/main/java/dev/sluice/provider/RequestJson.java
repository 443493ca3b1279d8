package dev.sluice.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * What every {@link RequestWriter} shares: writing a body with Jackson's streaming generator, and
 * copying the raw JSON a client sent (tool parameters, arguments, a response format) into it.
 */
public final class RequestJson {

  private RequestJson() {}

  /** Code that writes one request body to a generator, and may refuse the request. */
  @FunctionalInterface
  public interface Body {
    void write(JsonGenerator g) throws IOException, GatewayException;
  }

  /** The UTF-8 bytes {@code body} writes. */
  public static byte[] write(Body body) throws GatewayException {
    ByteArrayBuilder bytes = new ByteArrayBuilder(1024);
    try (JsonGenerator g = JsonReading.FACTORY.createGenerator(bytes)) {
      body.write(g);
    } catch (IOException e) {
      // The generator writes to memory; only a bug gets here.
      throw new UncheckedIOException("cannot write the upstream request body", e);
    }
    return bytes.toByteArray();
  }

  /** Writes {@code {"type":"text","text":...}}: a text part, which Chat Completions and Messages write alike. */
  public static void writeTextPart(JsonGenerator g, String text) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "text");
    g.writeStringField("text", text);
    g.writeEndObject();
  }

  /**
   * Copies the one JSON value {@code json} holds into {@code g} token by token rather than raw, so a
   * malformed value becomes a client error naming {@code param} here, instead of an upstream error that
   * does not name it. {@code refusal} judges the value's first token (null for empty text): it answers
   * the message that refuses the value, or null to accept it.
   */
  public static void copyValue(JsonGenerator g, String json, String param, Function<JsonToken, String> refusal)
      throws IOException, GatewayException {
    try (JsonParser p = JsonReading.FACTORY.createParser(json)) {
      String refused = refusal.apply(p.nextToken());
      if (refused != null) throw new GatewayException(GatewayError.invalid(param, refused));
      g.copyCurrentStructure(p);
      if (p.nextToken() != null) {
        throw new GatewayException(GatewayError.invalid(param, param + " holds more than one JSON value"));
      }
    } catch (JsonProcessingException e) {
      String message = param + " is not valid JSON: " + e.getOriginalMessage();
      throw new GatewayException(GatewayError.invalid(param, message), e);
    }
  }
}
