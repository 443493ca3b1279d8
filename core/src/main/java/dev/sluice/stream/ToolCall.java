package dev.sluice.stream;

/** A complete tool call in an assistant message of the conversation so far. */
public record ToolCall(String id, String name, String argumentsJson) {
  public ToolCall {
    if (id == null || name == null) throw new IllegalArgumentException("id and name are required");
    if (argumentsJson == null) argumentsJson = "{}";
  }
}
