package dev.sluice.stream;

/** Why an answer ended normally, in each dialect's words. */
public enum FinishReason {
  /** A natural end or a stop sequence. */
  STOP("stop", "end_turn"),
  /** The max-tokens limit cut the answer. */
  LENGTH("length", "max_tokens"),
  /** The model asked for tool calls. */
  TOOL_CALLS("tool_calls", "tool_use"),
  /** The provider's filter withheld content, or the model refused. */
  CONTENT_FILTER("content_filter", "refusal");

  private final String openAi;
  private final String anthropic;

  FinishReason(String openAi, String anthropic) {
    this.openAi = openAi;
    this.anthropic = anthropic;
  }

  /** The OpenAI {@code finish_reason} value. */
  public String openAi() {
    return openAi;
  }

  /** The Anthropic {@code stop_reason} value. */
  public String anthropic() {
    return anthropic;
  }

  /** Maps an OpenAI {@code finish_reason}; the deprecated {@code function_call} counts as a tool call. */
  public static FinishReason fromOpenAi(String value) {
    return switch (value) {
      case "stop" -> STOP;
      case "length" -> LENGTH;
      case "tool_calls", "function_call" -> TOOL_CALLS;
      case "content_filter" -> CONTENT_FILTER;
      default -> STOP;
    };
  }
}
