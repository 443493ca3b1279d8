package dev.sluice.usage;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;

/**
 * Watches one stream's events and knows its usage at any point: the provider's last report if
 * there was one, else an estimate from the request and the text that actually went by. One per
 * stream, used by the stream's thread.
 */
public final class UsageMeter {
  private final ChatRequest request;
  private long deliveredChars;
  private Usage reported;

  public UsageMeter(ChatRequest request) {
    this.request = request;
  }

  public void observe(StreamEvent event) {
    switch (event) {
      case TextDelta t -> deliveredChars += t.text().length();
      case ToolCallDelta c -> deliveredChars += c.argumentsFragment().length()
          + (c.name() == null ? 0 : c.name().length());
      case UsageReport u -> reported = u.usage();
      default -> { }
    }
  }

  public boolean reported() {
    return reported != null;
  }

  /** The provider's usage, or an estimate marked {@code estimated}. */
  public Usage usage() {
    if (reported != null) return reported;
    long completion = (deliveredChars + 3) / 4;
    return new Usage(TokenEstimator.prompt(request), completion, 0, 0, 0, true);
  }
}
