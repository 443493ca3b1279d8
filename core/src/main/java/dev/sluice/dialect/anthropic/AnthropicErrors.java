package dev.sluice.dialect.anthropic;

import dev.sluice.json.Json;
import dev.sluice.stream.GatewayError;

/**
 * Errors in Anthropic's shape: {@code {"type":"error","error":{"type","message"}}}, the body of an
 * error response and the data of an in-stream {@code event: error}. The type is
 * {@link dev.sluice.stream.ErrorType#anthropicType()}, so an overloaded upstream reads as
 * {@code overloaded_error} to Anthropic's SDKs whichever provider answered.
 */
public final class AnthropicErrors {
  private AnthropicErrors() {}

  /** The JSON text for {@code error}. */
  public static String body(GatewayError error) {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("type", "error");
      g.writeObjectFieldStart("error");
      g.writeStringField("type", error.type().anthropicType());
      g.writeStringField("message", error.message());
      g.writeEndObject();
      g.writeEndObject();
    });
  }
}
