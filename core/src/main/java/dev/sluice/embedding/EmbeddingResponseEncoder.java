package dev.sluice.embedding;

import dev.sluice.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Writes an embeddings response in OpenAI's shape: {@code {"object":"list","data":[{"object":"embedding",
 * "index","embedding"}],"model","usage":{"prompt_tokens","total_tokens"}}}, each embedding a JSON array of
 * floats or, for {@link EncodingFormat#BASE64}, the base64 of its little-endian float32s (what the
 * OpenAI SDKs decode, and ask for by default).
 */
public final class EmbeddingResponseEncoder {
  private EmbeddingResponseEncoder() {}

  /** The response body. */
  public static String encode(EmbeddingResponse response, EncodingFormat format) {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("object", "list");
      g.writeArrayFieldStart("data");
      for (int i = 0; i < response.embeddings().size(); i++) {
        float[] vector = response.embeddings().get(i);
        g.writeStartObject();
        g.writeStringField("object", "embedding");
        g.writeNumberField("index", i);
        if (format == EncodingFormat.BASE64) {
          g.writeStringField("embedding", base64(vector));
        } else {
          g.writeArrayFieldStart("embedding");
          for (float v : vector) g.writeNumber(v);
          g.writeEndArray();
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("model", response.model());
      g.writeObjectFieldStart("usage");
      g.writeNumberField("prompt_tokens", response.promptTokens());
      g.writeNumberField("total_tokens", response.promptTokens());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  /** The base64 of {@code vector} as little-endian IEEE 754 float32s. */
  public static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(vector);
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
