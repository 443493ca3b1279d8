package dev.sluice.stream;

/**
 * A piece of text. The {@link Channel} says which kind: the answer itself, a refusal, or the
 * model's reasoning, which dialects render differently (OpenAI's {@code delta.refusal},
 * Anthropic's {@code thinking_delta}).
 */
public record TextDelta(Channel channel, String text) implements StreamEvent {

  /** Where a piece of text belongs. */
  public enum Channel { CONTENT, REFUSAL, REASONING }

  public TextDelta {
    if (channel == null || text == null) throw new IllegalArgumentException("channel and text are required");
  }

  public static TextDelta content(String text) {
    return new TextDelta(Channel.CONTENT, text);
  }
}
