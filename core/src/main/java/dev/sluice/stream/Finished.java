package dev.sluice.stream;

/** The answer ended normally. Terminal. */
public record Finished(FinishReason reason) implements StreamEvent {
  public Finished {
    if (reason == null) throw new IllegalArgumentException("reason is required");
  }
}
