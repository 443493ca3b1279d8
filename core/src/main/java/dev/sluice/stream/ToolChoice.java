package dev.sluice.stream;

/** How the model may use tools: {@code auto}, {@code none}, {@code required}, or one named function. */
public record ToolChoice(Mode mode, String functionName) {

  public enum Mode { AUTO, NONE, REQUIRED, FUNCTION }

  public ToolChoice {
    if (mode == null) throw new IllegalArgumentException("mode is required");
    if ((mode == Mode.FUNCTION) != (functionName != null)) {
      throw new IllegalArgumentException("a function name goes with mode FUNCTION only");
    }
  }
}
