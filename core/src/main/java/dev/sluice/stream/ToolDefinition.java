package dev.sluice.stream;

/**
 * A function the model may call.
 *
 * @param parametersJson the JSON Schema of the arguments as JSON text, or null for none
 * @param strict OpenAI's strict schema adherence flag, or null when unset
 */
public record ToolDefinition(String name, String description, String parametersJson, Boolean strict) {
  public ToolDefinition {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("name is required");
  }
}
