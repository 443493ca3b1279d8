package dev.sluice.stream;

/**
 * The upstream accepted the request and began answering.
 *
 * @param id the upstream's id for this completion (e.g. {@code chatcmpl-...}), or one Sluice made
 * @param model the model that answers, as the upstream names it (e.g. {@code gpt-4o-2024-08-06})
 * @param createdEpochSeconds creation time the upstream reported, in Unix seconds
 */
public record Started(String id, String model, long createdEpochSeconds) implements StreamEvent {
  public Started {
    if (id == null || model == null) throw new IllegalArgumentException("id and model are required");
  }
}
