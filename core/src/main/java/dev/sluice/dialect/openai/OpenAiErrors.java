package dev.sluice.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.json.Json;
import dev.sluice.stream.GatewayError;
import java.io.IOException;

/** Errors in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}}, all four keys always present. */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  /** The response body for an error before the first byte, and the data of an in-stream error. */
  public static String body(GatewayError error) {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeFieldName("error");
      writeError(g, error);
      g.writeEndObject();
    });
  }

  static void writeError(JsonGenerator g, GatewayError error) throws IOException {
    g.writeStartObject();
    g.writeStringField("message", error.message());
    g.writeStringField("type", error.type().openAiType());
    g.writeStringField("param", error.param());
    g.writeStringField("code", error.code());
    g.writeEndObject();
  }
}
