package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.RequestJson;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the Messages request body for a canonical request, with Jackson's streaming generator.
 * The body always asks for a stream: the gateway streams every upstream call, and the client's
 * dialect decides what the client sees.
 *
 * <p>The mapping:
 * <ul>
 *   <li>system and developer turns, wherever they stand, become text blocks of the top-level
 *       {@code system} (Anthropic has no system role in {@code messages});
 *   <li>an assistant turn becomes text blocks followed by one {@code tool_use} block per tool call,
 *       its {@code input} the call's arguments (which must be a JSON object);
 *   <li>tool turns become {@code tool_result} blocks of a user turn; consecutive turns of the same
 *       Anthropic role (tool results, then the user's next words) are merged into one turn, with the
 *       results first, as Anthropic requires;
 *   <li>an image by {@code data:} URI becomes a {@code base64} source, by http(s) URL a {@code url} source;
 *   <li>{@code max_tokens} is the request's or the configured default; {@code stop} becomes
 *       {@code stop_sequences}; {@code user} becomes {@code metadata.user_id}; {@code parallel_tool_calls:
 *       false} becomes {@code disable_parallel_tool_use}.
 * </ul>
 *
 * <p>What Anthropic cannot express is refused with {@link dev.sluice.stream.ErrorType#INVALID_REQUEST}
 * naming the field, never dropped: {@code seed}, the penalties, {@code response_format}, a message
 * {@code name}, a temperature above 1 (Anthropic's range is 0 to 1), images in other than user turns,
 * image URLs of another scheme. Two hints are not sent, as they change cost or strictness and never
 * what the answer means: a tool's {@code strict} flag (Anthropic validates tool input against
 * {@code input_schema} by itself) and an image's OpenAI {@code detail} (Anthropic picks the resolution).
 */
final class AnthropicRequestWriter {

  /** {@code data:<media type>;base64,<data>}: the only data URI form Anthropic's base64 source can take. */
  private static final Pattern DATA_URI = Pattern.compile("data:([\\w.+-]+/[\\w.+-]+);base64,(.*)", Pattern.DOTALL);

  private AnthropicRequestWriter() {}

  /**
   * The UTF-8 JSON body.
   *
   * @param defaultMaxTokens the {@code max_tokens} when the request names none
   * @throws GatewayException if the request holds something Anthropic cannot express, or a raw JSON
   *     field (tool parameters, tool call arguments) that is not one JSON object
   */
  static byte[] write(ChatRequest request, int defaultMaxTokens) throws GatewayException {
    refuseUnsupported(request);
    return RequestJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("model", request.model());
      g.writeNumberField("max_tokens", request.maxTokens() != null ? request.maxTokens() : defaultMaxTokens);
      writeSystem(g, request.messages());
      writeMessages(g, request.messages());
      if (!request.tools().isEmpty()) {
        writeTools(g, request.tools());
        writeToolChoice(g, request.toolChoice(), request.parallelToolCalls());
      }
      Sampling s = request.sampling();
      if (s.temperature() != null) g.writeNumberField("temperature", s.temperature());
      if (s.topP() != null) g.writeNumberField("top_p", s.topP());
      if (!request.stop().isEmpty()) {
        g.writeArrayFieldStart("stop_sequences");
        for (String stop : request.stop()) g.writeString(stop);
        g.writeEndArray();
      }
      if (request.user() != null) {
        g.writeObjectFieldStart("metadata");
        g.writeStringField("user_id", request.user());
        g.writeEndObject();
      }
      g.writeBooleanField("stream", true);
      g.writeEndObject();
    });
  }

  private static void refuseUnsupported(ChatRequest request) throws GatewayException {
    Sampling s = request.sampling();
    if (s.seed() != null) throw unsupported("seed", "'seed' has no counterpart in the Anthropic Messages API.");
    if (s.presencePenalty() != null) {
      throw unsupported("presence_penalty", "'presence_penalty' has no counterpart in the Anthropic Messages API.");
    }
    if (s.frequencyPenalty() != null) {
      throw unsupported("frequency_penalty", "'frequency_penalty' has no counterpart in the Anthropic Messages API.");
    }
    if (s.temperature() != null && s.temperature() > 1) {
      throw unsupported("temperature", "Anthropic models take a temperature between 0 and 1; got "
          + s.temperature() + ".");
    }
    if (request.responseFormatJson() != null) {
      throw unsupported("response_format", "'response_format' has no counterpart in the Anthropic Messages API; "
          + "describe the format in the prompt or use a tool.");
    }
    for (int i = 0; i < request.messages().size(); i++) {
      Message m = request.messages().get(i);
      if (m.name() != null) {
        throw unsupported("messages[" + i + "].name", "Message names have no counterpart in the Anthropic Messages API.");
      }
      for (ContentPart part : m.content()) {
        if (part instanceof ContentPart.Image && m.role() != Role.USER) {
          throw unsupported("messages[" + i + "].content", "Anthropic takes images in user turns only.");
        }
      }
    }
  }

  private static void writeSystem(JsonGenerator g, List<Message> messages) throws IOException {
    boolean any = false;
    for (Message m : messages) {
      if (m.role() != Role.SYSTEM && m.role() != Role.DEVELOPER) continue;
      if (!any) {
        g.writeArrayFieldStart("system");
        any = true;
      }
      RequestJson.writeTextPart(g, m.text());
    }
    if (any) g.writeEndArray();
  }

  /** One Anthropic turn under construction: its role and the canonical messages it merges. */
  private record Turn(String role, List<Integer> messages) {}

  private static void writeMessages(JsonGenerator g, List<Message> messages) throws IOException, GatewayException {
    var turns = new ArrayList<Turn>();
    for (int i = 0; i < messages.size(); i++) {
      String role = switch (messages.get(i).role()) {
        case SYSTEM, DEVELOPER -> null;
        case USER, TOOL -> "user";
        case ASSISTANT -> "assistant";
      };
      if (role == null) continue;
      Turn last = turns.isEmpty() ? null : turns.getLast();
      if (last != null && last.role().equals(role)) {
        last.messages().add(i);
      } else {
        var list = new ArrayList<Integer>();
        list.add(i);
        turns.add(new Turn(role, list));
      }
    }
    g.writeArrayFieldStart("messages");
    for (Turn turn : turns) {
      g.writeStartObject();
      g.writeStringField("role", turn.role());
      g.writeArrayFieldStart("content");
      // Tool results lead their user turn, as Anthropic requires; the user's own words follow.
      for (int i : turn.messages()) if (messages.get(i).role() == Role.TOOL) writeToolResult(g, messages.get(i), i);
      for (int i : turn.messages()) if (messages.get(i).role() != Role.TOOL) writeBlocks(g, messages.get(i), i);
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeToolResult(JsonGenerator g, Message m, int i) throws IOException, GatewayException {
    if (m.toolCallId() == null) throw unsupported("messages[" + i + "].tool_call_id", "A tool result needs its tool_call_id.");
    g.writeStartObject();
    g.writeStringField("type", "tool_result");
    g.writeStringField("tool_use_id", m.toolCallId());
    g.writeArrayFieldStart("content");
    for (ContentPart part : m.content()) writePart(g, part, i);
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeBlocks(JsonGenerator g, Message m, int i) throws IOException, GatewayException {
    for (ContentPart part : m.content()) {
      // Anthropic rejects empty text blocks; an empty string carries nothing anyway.
      if (part instanceof ContentPart.Text t && t.text().isEmpty()) continue;
      writePart(g, part, i);
    }
    for (int c = 0; c < m.toolCalls().size(); c++) {
      ToolCall call = m.toolCalls().get(c);
      g.writeStartObject();
      g.writeStringField("type", "tool_use");
      g.writeStringField("id", call.id());
      g.writeStringField("name", call.name());
      g.writeFieldName("input");
      copyObject(g, call.argumentsJson().isBlank() ? "{}" : call.argumentsJson(),
          "messages[" + i + "].tool_calls[" + c + "].function.arguments");
      g.writeEndObject();
    }
  }

  private static void writePart(JsonGenerator g, ContentPart part, int i) throws IOException, GatewayException {
    switch (part) {
      case ContentPart.Text t -> RequestJson.writeTextPart(g, t.text());
      case ContentPart.Image image -> {
        g.writeStartObject();
        g.writeStringField("type", "image");
        g.writeObjectFieldStart("source");
        String url = image.url();
        Matcher data = DATA_URI.matcher(url);
        if (data.matches()) {
          g.writeStringField("type", "base64");
          g.writeStringField("media_type", data.group(1).toLowerCase(Locale.ROOT));
          g.writeStringField("data", data.group(2));
        } else if (url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7)) {
          g.writeStringField("type", "url");
          g.writeStringField("url", url);
        } else {
          throw unsupported("messages[" + i + "].content", "Anthropic takes images as base64 data: URIs or http(s) URLs.");
        }
        g.writeEndObject();
        g.writeEndObject();
      }
    }
  }

  private static void writeTools(JsonGenerator g, List<ToolDefinition> tools) throws IOException, GatewayException {
    g.writeArrayFieldStart("tools");
    for (int i = 0; i < tools.size(); i++) {
      ToolDefinition tool = tools.get(i);
      g.writeStartObject();
      g.writeStringField("name", tool.name());
      if (tool.description() != null) g.writeStringField("description", tool.description());
      g.writeFieldName("input_schema");
      // Anthropic requires a schema; a function without parameters takes an empty object.
      copyObject(g, tool.parametersJson() == null ? "{\"type\":\"object\",\"properties\":{}}" : tool.parametersJson(),
          "tools[" + i + "].function.parameters");
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeToolChoice(JsonGenerator g, ToolChoice choice, Boolean parallel) throws IOException {
    boolean disableParallel = Boolean.FALSE.equals(parallel);
    if (choice == null && !disableParallel) return;
    ToolChoice.Mode mode = choice == null ? ToolChoice.Mode.AUTO : choice.mode();
    g.writeObjectFieldStart("tool_choice");
    g.writeStringField("type", switch (mode) {
      case AUTO -> "auto";
      case NONE -> "none";
      case REQUIRED -> "any";
      case FUNCTION -> "tool";
    });
    if (mode == ToolChoice.Mode.FUNCTION) g.writeStringField("name", choice.functionName());
    // Anthropic accepts the flag with every type but none.
    if (disableParallel && mode != ToolChoice.Mode.NONE) g.writeBooleanField("disable_parallel_tool_use", true);
    g.writeEndObject();
  }

  /** Copies one JSON value that must be an object: Anthropic takes tool schemas and inputs as objects only. */
  private static void copyObject(JsonGenerator g, String json, String param) throws IOException, GatewayException {
    RequestJson.copyValue(g, json, param,
        first -> first != JsonToken.START_OBJECT ? param + " must be a JSON object for Anthropic." : null);
  }

  private static GatewayException unsupported(String param, String message) {
    return new GatewayException(GatewayError.invalid(param, message));
  }
}
