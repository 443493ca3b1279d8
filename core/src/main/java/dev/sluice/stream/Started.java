package dev.sluice.stream;

/**
 * The upstream accepted the request and began answering.
 *
 * @param id the upstream's id for this completion (e.g. {@code chatcmpl-...}), or one Sluice made
 * @param model the model that answers, as the upstream names it (e.g. {@code gpt-4o-2024-08-06})
 * @param provider the routing name of the provider that answers ({@code openai}, {@code sim}, ...), so
 *     that a response served by a fallback says where it came from; null only from a producer that does
 *     not know it, in which case the resilience policy fills it in from the route
 * @param createdEpochSeconds creation time the upstream reported, in Unix seconds
 */
public record Started(String id, String model, String provider, long createdEpochSeconds) implements StreamEvent {
  public Started {
    if (id == null || model == null) throw new IllegalArgumentException("id and model are required");
  }

  /** A start whose provider is not known yet ({@link #withProvider} adds it). */
  public Started(String id, String model, long createdEpochSeconds) {
    this(id, model, null, createdEpochSeconds);
  }

  /** The same start, attributed to {@code providerName}. */
  public Started withProvider(String providerName) {
    return new Started(id, model, providerName, createdEpochSeconds);
  }

  /** {@code provider/model} when the provider is known, else the model alone. */
  public String qualifiedModel() {
    return provider == null ? model : provider + "/" + model;
  }
}
