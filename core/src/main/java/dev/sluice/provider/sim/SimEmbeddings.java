package dev.sluice.provider.sim;

import dev.sluice.embedding.EmbeddingInput;
import dev.sluice.embedding.EmbeddingRequest;
import dev.sluice.embedding.EmbeddingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated embedding model {@code sim/embed}: the same input always gives the same unit vector, on
 * every machine and every run, so tests and demos of retrieval code need no key. A vector is
 * {@link #DIMENSIONS} numbers drawn from a generator seeded by the SHA-256 of the input, then scaled to
 * length 1. {@code dimensions} cuts it to its first numbers and scales them to length 1 again, as OpenAI's
 * {@code text-embedding-3} models do, so a shortened vector is the prefix of the long one, renormalised.
 * It carries no meaning: similar texts do not get similar vectors.
 */
public final class SimEmbeddings {
  /** The model name under the {@code sim} provider. */
  public static final String MODEL = "embed";
  /** The length of a vector when the request sets no {@code dimensions} (OpenAI's text-embedding-3-small). */
  public static final int DIMENSIONS = 1536;

  /** The embeddings of every input of {@code request}, with its usage counted as the sim counts tokens. */
  public EmbeddingResponse embed(EmbeddingRequest request) {
    int dimensions = request.dimensions() != null ? request.dimensions() : DIMENSIONS;
    var vectors = new ArrayList<float[]>(request.inputs().size());
    long tokens = 0;
    for (EmbeddingInput input : request.inputs()) {
      vectors.add(vector(input, dimensions));
      tokens += switch (input) {
        case EmbeddingInput.Text t -> SimTokens.count(t.text());
        case EmbeddingInput.Tokens ids -> ids.ids().size();
      };
    }
    return new EmbeddingResponse(MODEL, vectors, tokens);
  }

  /** The unit vector of {@code input}, {@code dimensions} long. */
  static float[] vector(EmbeddingInput input, int dimensions) {
    var random = new SplittableRandom(seed(input));
    double[] raw = new double[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      raw[i] = random.nextDouble(-1, 1);
      norm += raw[i] * raw[i];
    }
    norm = Math.sqrt(norm);
    float[] vector = new float[dimensions];
    for (int i = 0; i < dimensions; i++) vector[i] = (float) (raw[i] / norm);
    return vector;
  }

  /** The first 8 bytes of the input's SHA-256; text and token ids never share a digest (a tag byte leads). */
  private static long seed(EmbeddingInput input) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    switch (input) {
      case EmbeddingInput.Text t -> {
        sha.update((byte) 'T');
        sha.update(t.text().getBytes(StandardCharsets.UTF_8));
      }
      case EmbeddingInput.Tokens ids -> {
        sha.update((byte) 'I');
        List<Integer> list = ids.ids();
        for (int id : list) {
          sha.update((byte) (id >>> 24));
          sha.update((byte) (id >>> 16));
          sha.update((byte) (id >>> 8));
          sha.update((byte) id);
        }
      }
    }
    byte[] digest = sha.digest();
    long seed = 0;
    for (int i = 0; i < 8; i++) seed = seed << 8 | (digest[i] & 0xff);
    return seed;
  }
}
