package dev.sluice.dialect.anthropic;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.ModelName;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decodes an Anthropic Messages request body into the canonical request. Every rejection is an
 * {@code invalid_request_error} whose message starts with the field at fault in Anthropic's notation
 * ({@code messages.0.content.1.type: ...}), so SDK users see where their request went wrong.
 *
 * <p>The mapping: {@code system} (a string or text blocks) becomes one system turn; a user turn's
 * {@code tool_result} blocks become tool turns, placed before the rest of that user turn; an
 * assistant turn's {@code tool_use} blocks become its tool calls (input as JSON text); {@code image}
 * blocks become images ({@code base64} sources as {@code data:} URIs); {@code tool_choice} {@code any}
 * is REQUIRED; {@code disable_parallel_tool_use} is {@code parallel_tool_calls: false};
 * {@code metadata.user_id} is the user; {@code stop_sequences} the stop list.
 *
 * <p>Refused with a 400, because the canonical request has no counterpart and dropping them would
 * change the answer: {@code thinking} (extended thinking configuration), {@code top_k}, server tools
 * (a tool with a {@code type} other than {@code custom}), {@code mcp_servers}, {@code container},
 * {@code thinking} and {@code redacted_thinking} blocks in the history, documents, images inside
 * tool results, and {@code is_error: true} on a tool result. {@code cache_control} markers are
 * accepted and not forwarded: they change cost and latency, never the answer, and refusing them would
 * turn away most Anthropic clients.
 */
public final class AnthropicRequestDecoder {
  private static final Set<String> REFUSED = Set.of("thinking", "top_k", "mcp_servers", "container");

  private AnthropicRequestDecoder() {}

  public static ChatRequest decode(byte[] body) throws GatewayException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new GatewayException(GatewayError.invalid(null, "The request body could not be read."), e);
    }
    if (root == null || !root.isObject()) throw invalid(null, "The request body must be a JSON object.");
    for (String field : REFUSED) {
      JsonNode v = root.get(field);
      if (v != null && !v.isNull()) {
        throw invalid(field, field + ": not supported by Sluice, which translates requests between providers and "
            + "has no counterpart for it.");
      }
    }
    String model = ModelName.check(requiredString(root, "model", "model"));
    JsonNode max = root.get("max_tokens");
    if (max == null || max.isNull()) throw invalid("max_tokens", "max_tokens: Field required");
    if (!max.isIntegralNumber() || !max.canConvertToInt()) throw wrongType("max_tokens", "an integer", max);
    if (max.asInt() < 1) throw invalid("max_tokens", "max_tokens: Input should be greater than or equal to 1");

    var messages = new ArrayList<Message>();
    JsonNode system = root.get("system");
    if (system != null && !system.isNull()) messages.add(new Message(Role.SYSTEM, textBlocks(system, "system"), null, null, null));

    JsonNode list = root.get("messages");
    if (list == null || list.isNull()) throw invalid("messages", "messages: Field required");
    if (!list.isArray()) throw wrongType("messages", "an array", list);
    if (list.isEmpty()) throw invalid("messages", "messages: at least one message is required");
    Set<String> toolUseIds = new HashSet<>();
    for (int i = 0; i < list.size(); i++) turn(list.get(i), "messages." + i, messages, toolUseIds);

    boolean stream = optionalBoolean(root, "stream");
    var sampling = new Sampling(optionalNumber(root, "temperature", 0, 1), optionalNumber(root, "top_p", 0, 1),
        null, null, null);
    List<ToolDefinition> tools = tools(root.get("tools"));
    Boolean parallel = null;
    ToolChoice choice = null;
    JsonNode tc = root.get("tool_choice");
    if (tc != null && !tc.isNull()) {
      if (!tc.isObject()) throw wrongType("tool_choice", "an object", tc);
      String type = requiredString(tc, "type", "tool_choice.type");
      choice = switch (type) {
        case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, null);
        case "any" -> new ToolChoice(ToolChoice.Mode.REQUIRED, null);
        case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
        case "tool" -> new ToolChoice(ToolChoice.Mode.FUNCTION, requiredString(tc, "name", "tool_choice.name"));
        default -> throw invalid("tool_choice.type", "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
      };
      JsonNode dp = tc.get("disable_parallel_tool_use");
      if (dp != null && !dp.isNull()) {
        if (!dp.isBoolean()) throw wrongType("tool_choice.disable_parallel_tool_use", "a boolean", dp);
        parallel = !dp.asBoolean();
      }
    }
    List<String> stop = new ArrayList<>();
    JsonNode ss = root.get("stop_sequences");
    if (ss != null && !ss.isNull()) {
      if (!ss.isArray()) throw wrongType("stop_sequences", "an array of strings", ss);
      for (int i = 0; i < ss.size(); i++) {
        if (!ss.get(i).isTextual()) throw wrongType("stop_sequences." + i, "a string", ss.get(i));
        stop.add(ss.get(i).asText());
      }
    }
    String user = null;
    JsonNode metadata = root.get("metadata");
    if (metadata != null && !metadata.isNull()) {
      if (!metadata.isObject()) throw wrongType("metadata", "an object", metadata);
      user = optionalString(metadata, "user_id", "metadata.user_id");
    }
    // includeUsage is an OpenAI stream option; Anthropic streams always carry usage.
    return new ChatRequest(model, messages, tools, choice, sampling, max.asInt(), stop, user, stream, false, null,
        parallel);
  }

  private static void turn(JsonNode node, String path, List<Message> out, Set<String> toolUseIds)
      throws GatewayException {
    if (!node.isObject()) throw wrongType(path, "an object", node);
    String roleName = requiredString(node, "role", path + ".role");
    Role role = switch (roleName) {
      case "user" -> Role.USER;
      case "assistant" -> Role.ASSISTANT;
      default -> throw invalid(path + ".role", path + ".role: Input should be 'user' or 'assistant'");
    };
    JsonNode content = node.get("content");
    String cpath = path + ".content";
    if (content == null || content.isNull()) throw invalid(cpath, cpath + ": Field required");
    if (content.isTextual()) {
      out.add(Message.text(role, content.asText()));
      return;
    }
    if (!content.isArray()) throw wrongType(cpath, "a string or an array of content blocks", content);
    var parts = new ArrayList<ContentPart>();
    var calls = new ArrayList<ToolCall>();
    var results = new ArrayList<Message>();
    for (int i = 0; i < content.size(); i++) {
      String bpath = cpath + "." + i;
      JsonNode block = content.get(i);
      if (!block.isObject()) throw wrongType(bpath, "an object", block);
      String type = requiredString(block, "type", bpath + ".type");
      switch (type) {
        case "text" -> parts.add(new ContentPart.Text(requiredText(block, "text", bpath + ".text")));
        case "image" -> {
          if (role != Role.USER) throw invalid(bpath + ".type", bpath + ".type: image blocks are only allowed in user turns");
          parts.add(image(block, bpath));
        }
        case "tool_use" -> {
          if (role != Role.ASSISTANT) {
            throw invalid(bpath + ".type", bpath + ".type: tool_use blocks are only allowed in assistant turns");
          }
          String id = requiredString(block, "id", bpath + ".id");
          JsonNode input = block.get("input");
          if (input == null || !input.isObject()) throw wrongType(bpath + ".input", "an object", input);
          calls.add(new ToolCall(id, requiredString(block, "name", bpath + ".name"), input.toString()));
          toolUseIds.add(id);
        }
        case "tool_result" -> {
          if (role != Role.USER) {
            throw invalid(bpath + ".type", bpath + ".type: tool_result blocks are only allowed in user turns");
          }
          String id = requiredString(block, "tool_use_id", bpath + ".tool_use_id");
          if (!toolUseIds.contains(id)) {
            throw invalid(bpath + ".tool_use_id", bpath + ".tool_use_id: no tool_use block with id '" + id
                + "' comes before this tool_result");
          }
          JsonNode isError = block.get("is_error");
          if (isError != null && isError.asBoolean(false)) {
            throw invalid(bpath + ".is_error", bpath + ".is_error: an error flag on a tool result has no counterpart "
                + "in OpenAI-compatible APIs; put the error in the result's text instead");
          }
          JsonNode rc = block.get("content");
          List<ContentPart> resultParts = rc == null || rc.isNull() ? List.of(new ContentPart.Text(""))
              : textBlocks(rc, bpath + ".content");
          results.add(new Message(Role.TOOL, resultParts, null, id, null));
        }
        case "thinking", "redacted_thinking" -> throw invalid(bpath + ".type", bpath + ".type: '" + type
            + "' blocks are not supported by Sluice: thinking cannot be carried between providers");
        default -> throw invalid(bpath + ".type", bpath + ".type: '" + type
            + "' is not supported by Sluice; use 'text', 'image', 'tool_use' or 'tool_result'");
      }
    }
    if (!results.isEmpty()) {
      out.addAll(results);
      if (!parts.isEmpty()) out.add(new Message(role, parts, null, null, null));
      return;
    }
    if (parts.isEmpty() && calls.isEmpty()) throw invalid(cpath, cpath + ": at least one content block is required");
    out.add(new Message(role, parts, calls, null, null));
  }

  private static ContentPart image(JsonNode block, String bpath) throws GatewayException {
    JsonNode source = block.get("source");
    if (source == null || !source.isObject()) throw wrongType(bpath + ".source", "an object", source);
    String type = requiredString(source, "type", bpath + ".source.type");
    return switch (type) {
      case "base64" -> new ContentPart.Image("data:" + requiredString(source, "media_type", bpath + ".source.media_type")
          + ";base64," + requiredString(source, "data", bpath + ".source.data"), null);
      case "url" -> new ContentPart.Image(requiredString(source, "url", bpath + ".source.url"), null);
      default -> throw invalid(bpath + ".source.type", bpath + ".source.type: '" + type
          + "' is not supported by Sluice; use 'base64' or 'url'");
    };
  }

  /** A string, or an array of {@code text} blocks (system prompts, tool results). */
  private static List<ContentPart> textBlocks(JsonNode node, String path) throws GatewayException {
    if (node.isTextual()) return List.of(new ContentPart.Text(node.asText()));
    if (!node.isArray()) throw wrongType(path, "a string or an array of text blocks", node);
    var parts = new ArrayList<ContentPart>();
    for (int i = 0; i < node.size(); i++) {
      String bpath = path + "." + i;
      JsonNode block = node.get(i);
      if (!block.isObject()) throw wrongType(bpath, "an object", block);
      String type = requiredString(block, "type", bpath + ".type");
      if (!type.equals("text")) {
        throw invalid(bpath + ".type", bpath + ".type: only 'text' blocks are supported here, not '" + type + "'");
      }
      parts.add(new ContentPart.Text(requiredText(block, "text", bpath + ".text")));
    }
    return parts;
  }

  private static List<ToolDefinition> tools(JsonNode node) throws GatewayException {
    if (node == null || node.isNull()) return List.of();
    if (!node.isArray()) throw wrongType("tools", "an array", node);
    var tools = new ArrayList<ToolDefinition>();
    for (int i = 0; i < node.size(); i++) {
      String path = "tools." + i;
      JsonNode tool = node.get(i);
      if (!tool.isObject()) throw wrongType(path, "an object", tool);
      String type = optionalString(tool, "type", path + ".type");
      if (type != null && !type.equals("custom")) {
        throw invalid(path + ".type", path + ".type: server tool '" + type
            + "' is not supported by Sluice; only client tools (with an input_schema) are");
      }
      JsonNode schema = tool.get("input_schema");
      if (schema == null || schema.isNull()) throw invalid(path + ".input_schema", path + ".input_schema: Field required");
      if (!schema.isObject()) throw wrongType(path + ".input_schema", "an object", schema);
      tools.add(new ToolDefinition(requiredString(tool, "name", path + ".name"),
          optionalString(tool, "description", path + ".description"), schema.toString(), null));
    }
    return tools;
  }

  private static String requiredString(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) throw invalid(path, path + ": Field required");
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    if (v.asText().isEmpty()) throw invalid(path, path + ": String should have at least 1 character");
    return v.asText();
  }

  /** A string that may be empty ({@code "text": ""} is legal in a tool result). */
  private static String requiredText(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) throw invalid(path, path + ": Field required");
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    return v.asText();
  }

  private static String optionalString(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    return v.asText();
  }

  private static boolean optionalBoolean(JsonNode obj, String field) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return false;
    if (!v.isBoolean()) throw wrongType(field, "a boolean", v);
    return v.asBoolean();
  }

  private static Double optionalNumber(JsonNode obj, String field, double min, double max) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isNumber()) throw wrongType(field, "a number", v);
    double d = v.asDouble();
    if (d < min || d > max) {
      throw invalid(field, field + ": Input should be between " + (long) min + " and " + (long) max + ", got " + v);
    }
    return d;
  }

  private static GatewayException invalid(String param, String message) {
    return new GatewayException(GatewayError.invalid(param, message));
  }

  private static GatewayException wrongType(String path, String expected, JsonNode got) {
    String kind = got == null || got.isNull() || got.isMissingNode() ? "null" : switch (got.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case BOOLEAN -> "a boolean";
      case NUMBER -> got.isIntegralNumber() ? "an integer" : "a decimal";
      case STRING -> "a string";
      default -> "something else";
    };
    return invalid(path, path + ": Input should be " + expected + ", got " + kind);
  }
}
