package dev.sluice.embedding;

import java.util.List;

/**
 * The canonical embeddings request, in OpenAI's terms ({@code POST /v1/embeddings}).
 *
 * @param model the model as the client named it
 * @param inputs what to embed, in order; the response has one embedding per input, same index
 * @param encodingFormat how the client wants the numbers written
 * @param dimensions the length the client wants the embeddings cut to, or null for the model's own
 * @param user the end-user id the client passed, or null
 */
public record EmbeddingRequest(
    String model, List<EmbeddingInput> inputs, EncodingFormat encodingFormat, Integer dimensions, String user) {

  public EmbeddingRequest {
    if (model == null || model.isEmpty()) throw new IllegalArgumentException("model is required");
    if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException("at least one input is required");
    inputs = List.copyOf(inputs);
    if (encodingFormat == null) encodingFormat = EncodingFormat.FLOAT;
    if (dimensions != null && dimensions < 1) throw new IllegalArgumentException("dimensions must be positive");
  }

  /** The same request addressed to another model name (routing strips the provider prefix). */
  public EmbeddingRequest withModel(String newModel) {
    return new EmbeddingRequest(newModel, inputs, encodingFormat, dimensions, user);
  }
}
