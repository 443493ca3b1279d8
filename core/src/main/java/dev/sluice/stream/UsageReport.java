package dev.sluice.stream;

/** The provider's account of tokens used. A later report replaces an earlier one. */
public record UsageReport(Usage usage) implements StreamEvent {
  public UsageReport {
    if (usage == null) throw new IllegalArgumentException("usage is required");
  }
}
