package dev.sluice.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.GatewayException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Embedding request bodies in each of OpenAI's input shapes, and the 400s for what is out of bounds. */
class EmbeddingRequestDecoderTest {

  private static EmbeddingRequest decode(String json) throws GatewayException {
    return EmbeddingRequestDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String refusedParam(String json) {
    try {
      decode(json);
    } catch (GatewayException e) {
      assertThat(e.error().httpStatus()).isEqualTo(400);
      return e.error().param();
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void aStringIsOneTextInputWithTheDefaults() throws GatewayException {
    EmbeddingRequest r = decode("{\"model\":\"sim/embed\",\"input\":\"hello\"}");

    assertThat(r.model()).isEqualTo("sim/embed");
    assertThat(r.inputs()).containsExactly(new EmbeddingInput.Text("hello"));
    assertThat(r.encodingFormat()).isEqualTo(EncodingFormat.FLOAT);
    assertThat(r.dimensions()).isNull();
    assertThat(r.user()).isNull();
  }

  @Test
  void arraysOfStringsTokensAndTokenArraysAreInputsInOrder() throws GatewayException {
    assertThat(decode("{\"model\":\"m\",\"input\":[\"a\",\"b\"]}").inputs())
        .containsExactly(new EmbeddingInput.Text("a"), new EmbeddingInput.Text("b"));
    assertThat(decode("{\"model\":\"m\",\"input\":[1,2,3]}").inputs())
        .containsExactly(new EmbeddingInput.Tokens(List.of(1, 2, 3)));
    assertThat(decode("{\"model\":\"m\",\"input\":[[1,2],[3]]}").inputs())
        .containsExactly(new EmbeddingInput.Tokens(List.of(1, 2)), new EmbeddingInput.Tokens(List.of(3)));
  }

  @Test
  void encodingFormatDimensionsAndUserAreKept() throws GatewayException {
    EmbeddingRequest r = decode("{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"base64\",\"dimensions\":64,"
        + "\"user\":\"u\"}");

    assertThat(r.encodingFormat()).isEqualTo(EncodingFormat.BASE64);
    assertThat(r.dimensions()).isEqualTo(64);
    assertThat(r.user()).isEqualTo("u");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{\"input\":\"x\"}|model",
      "{\"model\":\"m\"}|input",
      "{\"model\":\"m\",\"input\":\"\"}|input",
      "{\"model\":\"m\",\"input\":[]}|input",
      "{\"model\":\"m\",\"input\":[\"a\",\"\"]}|input[1]",
      "{\"model\":\"m\",\"input\":[\"a\",{}]}|input[1]",
      "{\"model\":\"m\",\"input\":[[1],[-1]]}|input[1]",
      "{\"model\":\"m\",\"input\":[[]]}|input[0]",
      "{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"int8\"}|encoding_format",
      "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}|dimensions",
      "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":8193}|dimensions",
      "{\"model\":\"m\",\"input\":\"x\",\"user\":7}|user"})
  void malformedOrOutOfBoundsFieldsAreRefusedNamingTheField(String json, String param) {
    assertThat(refusedParam(json)).isEqualTo(param);
  }

  @Test
  void theNumberAndTotalSizeOfInputsAreBounded() {
    String tooMany = "[" + "\"a\",".repeat(EmbeddingRequestDecoder.MAX_INPUTS) + "\"a\"]";
    assertThat(refusedParam("{\"model\":\"m\",\"input\":" + tooMany + "}")).isEqualTo("input");

    String half = "\"" + "x".repeat(EmbeddingRequestDecoder.MAX_TOTAL_SIZE / 2 + 1) + "\"";
    assertThat(refusedParam("{\"model\":\"m\",\"input\":[" + half + "," + half + "]}")).isEqualTo("input");
    assertThat(refusedParam("{\"model\":\"" + "m".repeat(300) + "\",\"input\":\"x\"}")).isEqualTo("model");
  }
}
