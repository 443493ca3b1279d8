package dev.sluice.usage;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;

/**
 * Watches one stream's events and knows its usage at any point: the provider's last report if
 * there was one, else an estimate from the request and the text that actually went by, counted with
 * the answering model's tokenizer ({@link TokenCounter}) as it goes by, so that a held stream keeps a
 * count rather than its whole answer ({@link RunningTokenCount}). One per stream, used by the stream's
 * thread.
 */
public final class UsageMeter {
  private final ChatRequest request;
  /** Tokens of everything generated so far (text, reasoning, tool names and arguments), for an estimate. */
  private final RunningTokenCount delivered;
  private Usage reported;
  private String answeringModel;

  public UsageMeter(ChatRequest request) {
    this.request = request;
    this.delivered = new RunningTokenCount(request.model());
  }

  public void observe(StreamEvent event) {
    switch (event) {
      case Relayed r -> { } // the passthrough's raw upstream event: only its own encoder writes it
      case Started s -> {
        answeringModel = s.qualifiedModel();
        delivered.switchTo(answeringModel);
      }
      case TextDelta t -> delivered.append(t.text());
      case ToolCallDelta c -> {
        if (c.name() != null) delivered.append(c.name());
        delivered.append(c.argumentsFragment());
      }
      case UsageReport u -> reported = u.usage();
      default -> { }
    }
  }

  public boolean reported() {
    return reported != null;
  }

  /** {@code provider/model} that answered (a fallback names itself), or null before its start. */
  public String answeringModel() {
    return answeringModel;
  }

  /** The provider's usage, or an estimate marked {@code estimated}. */
  public Usage usage() {
    if (reported != null) return reported;
    return estimate();
  }

  /**
   * The usage of a stream that did not finish: the provider's report where it covers what was
   * delivered, else the report's prompt (or an estimate) with the completion counted from the
   * delivered text, marked {@code estimated}. A report made before the end (Anthropic's
   * {@code message_start}) counts the prompt but not the answer.
   */
  public Usage unfinishedUsage() {
    long completion = delivered.tokens();
    if (reported != null && reported.completionTokens() >= completion) return reported;
    if (reported != null) {
      return new Usage(reported.promptTokens(), completion, reported.cachedTokens(), reported.cacheWriteTokens(),
          reported.reasoningTokens(), true);
    }
    return new Usage(TokenEstimator.prompt(request, model()), completion, 0, 0, 0, true);
  }

  private Usage estimate() {
    return new Usage(TokenEstimator.prompt(request, model()), delivered.tokens(), 0, 0,
        0, true);
  }

  private String model() {
    return answeringModel != null ? answeringModel : request.model();
  }
}
