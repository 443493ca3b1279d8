package dev.sluice.provider.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.embedding.EmbeddingInput;
import dev.sluice.embedding.EmbeddingRequest;
import dev.sluice.embedding.EmbeddingResponse;
import dev.sluice.embedding.EncodingFormat;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated embedding model: deterministic unit vectors, dimensions honoured, usage counted. */
class SimEmbeddingsTest {

  private static EmbeddingResponse embed(Integer dimensions, EmbeddingInput... inputs) {
    return new SimEmbeddings().embed(new EmbeddingRequest("embed", List.of(inputs), EncodingFormat.FLOAT, dimensions, null));
  }

  private static double length(float[] v) {
    double sum = 0;
    for (float x : v) sum += (double) x * x;
    return Math.sqrt(sum);
  }

  @Test
  void theSameTextGivesTheSameUnitVectorEveryTime() {
    float[] first = embed(null, new EmbeddingInput.Text("hello world")).embeddings().getFirst();
    float[] again = new SimEmbeddings().embed(new EmbeddingRequest("embed",
        List.of(new EmbeddingInput.Text("other"), new EmbeddingInput.Text("hello world")), null, null, null))
        .embeddings().get(1);

    assertThat(first).hasSize(SimEmbeddings.DIMENSIONS).isEqualTo(again);
    assertThat(length(first)).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void differentInputsGiveDifferentVectors() {
    EmbeddingResponse r = embed(null, new EmbeddingInput.Text("a"), new EmbeddingInput.Text("b"),
        new EmbeddingInput.Tokens(List.of(1, 2)), new EmbeddingInput.Tokens(List.of(2, 1)));

    assertThat(r.embeddings()).hasSize(4);
    for (int i = 0; i < 4; i++) {
      for (int j = i + 1; j < 4; j++) {
        assertThat(Arrays.equals(r.embeddings().get(i), r.embeddings().get(j))).as("%d vs %d", i, j).isFalse();
      }
    }
  }

  @Test
  void dimensionsShortenTheVectorToARenormalisedPrefix() {
    float[] full = embed(null, new EmbeddingInput.Text("x")).embeddings().getFirst();
    float[] short8 = embed(8, new EmbeddingInput.Text("x")).embeddings().getFirst();

    assertThat(short8).hasSize(8);
    assertThat(length(short8)).isCloseTo(1.0, within(1e-5));
    // The same direction as the full vector's first 8 numbers.
    double scale = short8[0] / full[0];
    for (int i = 0; i < 8; i++) assertThat((double) short8[i]).isCloseTo(full[i] * scale, within(1e-5));
  }

  @Test
  void usageCountsTheSimsTokensOfTextsAndTheIdsOfTokenInputs() {
    EmbeddingResponse r = embed(null, new EmbeddingInput.Text("one two three"), new EmbeddingInput.Tokens(List.of(5, 6)));

    assertThat(r.promptTokens()).isEqualTo(5);
    assertThat(r.model()).isEqualTo(SimEmbeddings.MODEL);
  }
}
