package dev.sluice.embedding;

import java.util.List;

/**
 * The embeddings of one request, in the order of its inputs.
 *
 * @param model the model that answered, as it names itself
 * @param embeddings one vector per input; the arrays are not copied and must not be changed
 * @param promptTokens the tokens the inputs counted for (embeddings have no output tokens)
 */
public record EmbeddingResponse(String model, List<float[]> embeddings, long promptTokens) {
  public EmbeddingResponse {
    if (model == null || embeddings == null) throw new IllegalArgumentException("model and embeddings are required");
    embeddings = List.copyOf(embeddings);
    if (promptTokens < 0) throw new IllegalArgumentException("token counts are never negative");
  }
}
