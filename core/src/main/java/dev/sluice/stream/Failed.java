package dev.sluice.stream;

/**
 * The stream broke: the upstream failed, a deadline expired, or it was cancelled. Terminal.
 * A dialect renders it as its in-stream error and never as a normal end.
 */
public record Failed(GatewayError error) implements StreamEvent {
  public Failed {
    if (error == null) throw new IllegalArgumentException("error is required");
  }
}
