package dev.sluice.stream;

import java.util.List;

/**
 * One turn of the conversation.
 *
 * @param content the parts, in order; empty for an assistant turn that only calls tools
 * @param toolCalls calls an assistant turn made; empty otherwise
 * @param toolCallId for a {@link Role#TOOL} turn, the call it answers; else null
 * @param name an optional participant name
 */
public record Message(Role role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId, String name) {

  public Message {
    if (role == null) throw new IllegalArgumentException("role is required");
    content = content == null ? List.of() : List.copyOf(content);
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  public static Message text(Role role, String text) {
    return new Message(role, List.of(new ContentPart.Text(text)), List.of(), null, null);
  }

  /** The concatenated text parts. */
  public String text() {
    var sb = new StringBuilder();
    for (ContentPart part : content) {
      if (part instanceof ContentPart.Text t) sb.append(t.text());
    }
    return sb.toString();
  }
}
