package dev.sluice.stream;

/** Sampling parameters; each is null when the client did not set it, so the provider's default applies. */
public record Sampling(Double temperature, Double topP, Long seed, Double presencePenalty, Double frequencyPenalty) {
  public static final Sampling DEFAULT = new Sampling(null, null, null, null, null);
}
