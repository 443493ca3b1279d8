package dev.sluice.dialect.openai;

import static dev.sluice.dialect.openai.OpenAiFields.functionTools;
import static dev.sluice.dialect.openai.OpenAiFields.missing;
import static dev.sluice.dialect.openai.OpenAiFields.optionalBoolean;
import static dev.sluice.dialect.openai.OpenAiFields.optionalLong;
import static dev.sluice.dialect.openai.OpenAiFields.optionalNumber;
import static dev.sluice.dialect.openai.OpenAiFields.optionalPositiveInt;
import static dev.sluice.dialect.openai.OpenAiFields.optionalString;
import static dev.sluice.dialect.openai.OpenAiFields.readObject;
import static dev.sluice.dialect.openai.OpenAiFields.requiredString;
import static dev.sluice.dialect.openai.OpenAiFields.toolChoiceMode;
import static dev.sluice.dialect.openai.OpenAiFields.wrongType;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes an OpenAI Chat Completions request body into the canonical request. Every rejection
 * names the field at fault, in OpenAI's words, so SDK users see where their request went wrong.
 *
 * <p>Parameters Sluice cannot honour faithfully ({@code n > 1}, {@code logprobs}, audio output) are
 * refused with a 400 rather than silently dropped. Unknown parameters are ignored, as they carry no
 * meaning for the canonical request.
 */
public final class OpenAiRequestDecoder {
  private OpenAiRequestDecoder() {}

  public static ChatRequest decode(byte[] body) throws GatewayException {
    JsonNode root = readObject(body);
    String model = ModelName.check(requiredString(root, "model"));
    JsonNode messagesNode = root.get("messages");
    if (messagesNode == null || messagesNode.isNull()) throw missing("messages");
    if (!messagesNode.isArray()) throw wrongType("messages", "an array", messagesNode);
    if (messagesNode.isEmpty()) {
      throw new GatewayException(GatewayError.invalid("messages",
          "Invalid 'messages': empty array. Expected an array with minimum length 1."));
    }
    var messages = new ArrayList<Message>(messagesNode.size());
    for (int i = 0; i < messagesNode.size(); i++) messages.add(message(messagesNode.get(i), "messages[" + i + "]"));

    boolean stream = optionalBoolean(root, "stream", false);
    boolean includeUsage = false;
    JsonNode streamOptions = root.get("stream_options");
    if (streamOptions != null && !streamOptions.isNull()) {
      if (!streamOptions.isObject()) throw wrongType("stream_options", "an object", streamOptions);
      if (!stream) {
        throw new GatewayException(GatewayError.invalid("stream_options",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled."));
      }
      includeUsage = optionalBoolean(streamOptions, "include_usage", false, "stream_options.include_usage");
    }
    JsonNode n = root.get("n");
    if (n != null && !n.isNull()) {
      if (!n.isIntegralNumber()) throw wrongType("n", "an integer", n);
      if (n.asLong() != 1) {
        throw new GatewayException(GatewayError.invalid("n",
            "Sluice streams one choice per request; 'n' must be 1 (got " + n.asLong() + ")."));
      }
    }
    if (optionalBoolean(root, "logprobs", false)) {
      throw new GatewayException(GatewayError.invalid("logprobs", "Sluice does not relay 'logprobs'."));
    }
    JsonNode modalities = root.get("modalities");
    if (modalities != null && modalities.isArray()) {
      for (JsonNode m : modalities) {
        if (!"text".equals(m.asText())) {
          throw new GatewayException(GatewayError.invalid("modalities",
              "Sluice relays text only; modality '" + m.asText() + "' is not supported."));
        }
      }
    }

    Integer maxTokens = optionalPositiveInt(root, "max_completion_tokens");
    if (maxTokens == null) maxTokens = optionalPositiveInt(root, "max_tokens");
    var sampling = new Sampling(
        optionalNumber(root, "temperature", 0, 2),
        optionalNumber(root, "top_p", 0, 1),
        optionalLong(root, "seed"),
        optionalNumber(root, "presence_penalty", -2, 2),
        optionalNumber(root, "frequency_penalty", -2, 2));
    String responseFormat = null;
    JsonNode rf = root.get("response_format");
    if (rf != null && !rf.isNull()) {
      if (!rf.isObject()) throw wrongType("response_format", "an object", rf);
      responseFormat = rf.toString();
    }
    JsonNode ptc = root.get("parallel_tool_calls");
    Boolean parallelToolCalls = ptc == null || ptc.isNull() ? null : optionalBoolean(root, "parallel_tool_calls", true);
    return new ChatRequest(model, messages, functionTools(root.get("tools"), true, ""), toolChoice(root.get("tool_choice")),
        sampling, maxTokens, stop(root.get("stop")), optionalString(root, "user"), stream, includeUsage, responseFormat,
        parallelToolCalls);
  }

  private static Message message(JsonNode node, String path) throws GatewayException {
    if (!node.isObject()) throw wrongType(path, "an object", node);
    String roleName = requiredString(node, "role", path + ".role");
    Role role = switch (roleName) {
      case "system" -> Role.SYSTEM;
      case "developer" -> Role.DEVELOPER;
      case "user" -> Role.USER;
      case "assistant" -> Role.ASSISTANT;
      case "tool" -> Role.TOOL;
      default -> throw new GatewayException(GatewayError.invalid(path + ".role",
          "Invalid value: '" + roleName + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'."));
    };
    List<ContentPart> parts = content(node.get("content"), path + ".content", role);
    List<ToolCall> toolCalls = List.of();
    JsonNode calls = node.get("tool_calls");
    if (calls != null && !calls.isNull()) {
      if (role != Role.ASSISTANT) {
        throw new GatewayException(GatewayError.invalid(path + ".tool_calls", "Only assistant messages carry 'tool_calls'."));
      }
      if (!calls.isArray()) throw wrongType(path + ".tool_calls", "an array", calls);
      var list = new ArrayList<ToolCall>();
      for (int i = 0; i < calls.size(); i++) {
        String p = path + ".tool_calls[" + i + "]";
        JsonNode call = calls.get(i);
        if (!call.isObject()) throw wrongType(p, "an object", call);
        JsonNode fn = call.get("function");
        if (fn == null || !fn.isObject()) throw missing(p + ".function");
        String args = optionalString(fn, "arguments", p + ".function.arguments");
        list.add(new ToolCall(requiredString(call, "id", p + ".id"), requiredString(fn, "name", p + ".function.name"),
            args == null ? "{}" : args));
      }
      toolCalls = list;
    }
    String toolCallId = null;
    if (role == Role.TOOL) toolCallId = requiredString(node, "tool_call_id", path + ".tool_call_id");
    if (parts.isEmpty() && toolCalls.isEmpty() && role != Role.ASSISTANT) throw missing(path + ".content");
    return new Message(role, parts, toolCalls, toolCallId, optionalString(node, "name", path + ".name"));
  }

  private static List<ContentPart> content(JsonNode node, String path, Role role) throws GatewayException {
    if (node == null || node.isNull()) return List.of();
    if (node.isTextual()) return List.of(new ContentPart.Text(node.asText()));
    if (!node.isArray()) throw wrongType(path, "a string or an array of content parts", node);
    var parts = new ArrayList<ContentPart>(node.size());
    for (int i = 0; i < node.size(); i++) {
      String p = path + "[" + i + "]";
      JsonNode part = node.get(i);
      if (!part.isObject()) throw wrongType(p, "an object", part);
      String type = requiredString(part, "type", p + ".type");
      switch (type) {
        case "text" -> parts.add(new ContentPart.Text(requiredString(part, "text", p + ".text")));
        case "refusal" -> parts.add(new ContentPart.Text(requiredString(part, "refusal", p + ".refusal")));
        case "image_url" -> {
          if (role != Role.USER) {
            throw new GatewayException(GatewayError.invalid(p + ".type", "Image parts are only allowed in user messages."));
          }
          JsonNode image = part.get("image_url");
          if (image == null || !image.isObject()) throw missing(p + ".image_url");
          parts.add(new ContentPart.Image(requiredString(image, "url", p + ".image_url.url"),
              optionalString(image, "detail", p + ".image_url.detail")));
        }
        default -> throw new GatewayException(GatewayError.invalid(p + ".type",
            "Content part type '" + type + "' is not supported by Sluice; use 'text' or 'image_url'."));
      }
    }
    return parts;
  }


  private static ToolChoice toolChoice(JsonNode node) throws GatewayException {
    if (node == null || node.isNull()) return null;
    if (node.isTextual()) return toolChoiceMode(node.asText());
    if (!node.isObject()) throw wrongType("tool_choice", "a string or an object", node);
    JsonNode fn = node.get("function");
    if (fn == null || !fn.isObject()) throw missing("tool_choice.function");
    return new ToolChoice(ToolChoice.Mode.FUNCTION, requiredString(fn, "name", "tool_choice.function.name"));
  }

  private static List<String> stop(JsonNode node) throws GatewayException {
    if (node == null || node.isNull()) return List.of();
    if (node.isTextual()) return List.of(node.asText());
    if (!node.isArray()) throw wrongType("stop", "a string or an array of strings", node);
    var list = new ArrayList<String>();
    for (int i = 0; i < node.size(); i++) {
      if (!node.get(i).isTextual()) throw wrongType("stop[" + i + "]", "a string", node.get(i));
      list.add(node.get(i).asText());
    }
    if (list.size() > 4) {
      throw new GatewayException(GatewayError.invalid("stop", "Invalid 'stop': at most 4 sequences are allowed."));
    }
    return list;
  }
}
