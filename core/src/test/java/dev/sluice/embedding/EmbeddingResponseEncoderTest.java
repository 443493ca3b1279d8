package dev.sluice.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI embeddings response: its shape, float arrays, and base64 as little-endian float32s. */
class EmbeddingResponseEncoderTest {

  private static final EmbeddingResponse RESPONSE =
      new EmbeddingResponse("embed", List.of(new float[] {0.5f, -1f}, new float[] {1f, 0f}), 4);

  @Test
  void floatsAreWrittenAsArraysInOpenAisShape() throws Exception {
    assertThat(EmbeddingResponseEncoder.encode(RESPONSE, EncodingFormat.FLOAT)).isEqualTo(
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,-1.0]},"
            + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[1.0,0.0]}],\"model\":\"embed\","
            + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}");
  }

  @Test
  void base64IsTheLittleEndianFloat32Bytes() throws Exception {
    // 0.5f is 0x3F000000 and -1f is 0xBF800000; little-endian puts the low byte first.
    assertThat(EmbeddingResponseEncoder.base64(new float[] {0.5f, -1f}))
        .isEqualTo(Base64.getEncoder().encodeToString(new byte[] {0, 0, 0, 0x3F, 0, 0, (byte) 0x80, (byte) 0xBF}));

    JsonNode json = Json.MAPPER.readTree(EmbeddingResponseEncoder.encode(RESPONSE, EncodingFormat.BASE64));
    byte[] bytes = Base64.getDecoder().decode(json.at("/data/0/embedding").asText());
    var floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    assertThat(floats.remaining()).isEqualTo(2);
    assertThat(floats.get(0)).isEqualTo(0.5f);
    assertThat(floats.get(1)).isEqualTo(-1f);
  }
}
