package dev.sluice.dialect.responses;

import static dev.sluice.dialect.openai.OpenAiFields.functionTools;
import static dev.sluice.dialect.openai.OpenAiFields.missing;
import static dev.sluice.dialect.openai.OpenAiFields.optionalBoolean;
import static dev.sluice.dialect.openai.OpenAiFields.optionalNumber;
import static dev.sluice.dialect.openai.OpenAiFields.optionalPositiveInt;
import static dev.sluice.dialect.openai.OpenAiFields.optionalString;
import static dev.sluice.dialect.openai.OpenAiFields.readObject;
import static dev.sluice.dialect.openai.OpenAiFields.requiredString;
import static dev.sluice.dialect.openai.OpenAiFields.requiredText;
import static dev.sluice.dialect.openai.OpenAiFields.toolChoiceMode;
import static dev.sluice.dialect.openai.OpenAiFields.wrongType;

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
import java.util.regex.Pattern;

/**
 * Decodes an OpenAI Responses request body ({@code POST /v1/responses}) into the canonical request.
 * Every rejection is an {@code invalid_request_error} naming the field at fault in OpenAI's notation
 * ({@code input[2].content[0].type}), as the Chat Completions decoder does.
 *
 * <p>The mapping: {@code instructions} becomes the first system turn; {@code input} as a string is one
 * user turn; as items, a {@code message} item (or an item with a {@code role} and no type) is a turn whose
 * {@code input_text}/{@code output_text} parts are text and {@code input_image} parts images;
 * {@code function_call} items are the tool calls of an assistant turn (joined to the assistant text just
 * before them); {@code function_call_output} items are tool turns answering an earlier call's
 * {@code call_id}. Function tools come in Responses' flat shape; {@code text.format} becomes the
 * canonical response format in Chat Completions' words; {@code safety_identifier} stands for
 * {@code user} when that is absent. {@code metadata} is checked (OpenAI's bounds) and not forwarded: it
 * labels a response, it never changes the answer.
 *
 * <p>Accepted and left out, because they never change what the answer means (the Codex CLI sends all of
 * them): {@code reasoning.summary} and {@code text.verbosity} (hints the canonical request has no words
 * for), {@code reasoning.effort} (a hint, kept in the canonical request for the providers that have one),
 * {@code include: ["reasoning.encrypted_content"]} (there is no encrypted reasoning to include),
 * {@code store: false}, {@code prompt_cache_key}, {@code client_metadata}, {@code reasoning} input
 * items (the model's own earlier reasoning, which cannot be carried between providers), and the
 * {@code web_search} and {@code namespace} tools (only offered: the model answers as one that chose
 * not to use them; naming one in {@code tool_choice} is still refused).
 *
 * <p>Refused with a 400, because Sluice keeps no conversation state and the canonical request has no
 * counterpart, so dropping them would change the answer or break a promise: {@code previous_response_id},
 * {@code conversation}, {@code prompt} (stored prompts), {@code background: true}, {@code store: true}
 * (Sluice stores no response to fetch later; absent is accepted), {@code include} of anything else,
 * {@code truncation: "auto"}, {@code top_logprobs}, {@code max_tool_calls}, hosted tools that must run
 * ({@code file_search}, {@code code_interpreter}, ...), and input items Sluice cannot carry between
 * providers ({@code item_reference}, hosted tools' calls, files). Unknown fields are ignored, as by the
 * Chat Completions decoder. A streaming request that only Responses upstreams answer is not decoded here
 * but passed through ({@link PassthroughRequestReader}), and none of this is refused there.
 */
public final class ResponsesRequestDecoder {
  /** Fields refused whenever they have a value other than null. */
  private static final List<String> REFUSED = List.of("previous_response_id", "conversation", "prompt", "max_tool_calls");
  /** OpenAI's bounds on {@code metadata}. */
  static final int MAX_METADATA_PAIRS = 16;
  static final int MAX_METADATA_KEY_CHARS = 64;
  static final int MAX_METADATA_VALUE_CHARS = 512;
  /** What {@code include} may name: nothing Sluice could be asked to add to the answer. */
  private static final Set<String> INCLUDABLE = Set.of("reasoning.encrypted_content");
  /** The shape of a reasoning effort: OpenAI's words ({@code minimal}, {@code low} ... {@code xhigh}) and any later one. */
  private static final Pattern EFFORT = Pattern.compile("[a-z_]{1,32}");
  /** Tools only offered, left out: see the class comment. */
  private static final Set<String> LEFT_OUT_TOOLS = Set.of("web_search", "web_search_preview", "namespace");

  private ResponsesRequestDecoder() {}

  public static ChatRequest decode(byte[] body) throws GatewayException {
    JsonNode root = readObject(body);
    refuseUntranslatable(root);
    String model = ModelName.check(requiredString(root, "model", "model"));

    var messages = new ArrayList<Message>();
    String instructions = optionalString(root, "instructions", "instructions");
    if (instructions != null) messages.add(Message.text(Role.SYSTEM, instructions));
    JsonNode input = root.get("input");
    if (input == null || input.isNull()) throw missing("input");
    if (input.isTextual()) {
      messages.add(Message.text(Role.USER, input.asText()));
    } else if (input.isArray()) {
      if (input.isEmpty()) throw invalid("input", "Invalid 'input': empty array. Expected an array with minimum length 1.");
      new InputItems(messages).decode(input);
    } else {
      throw wrongType("input", "a string or an array of input items", input);
    }

    var sampling = new Sampling(optionalNumber(root, "temperature", 0, 2), optionalNumber(root, "top_p", 0, 1),
        null, null, null);
    List<ToolDefinition> tools = functionTools(root.get("tools"), false,
        " Hosted tools run at one provider and cannot be translated.", LEFT_OUT_TOOLS);
    JsonNode ptc = root.get("parallel_tool_calls");
    Boolean parallel = ptc == null || ptc.isNull() ? null : optionalBoolean(root, "parallel_tool_calls", true);
    String user = optionalString(root, "user", "user");
    if (user == null) user = optionalString(root, "safety_identifier", "safety_identifier");
    checkMetadata(root.get("metadata"));
    // Responses always end with their usage: includeUsage is Chat Completions' option only.
    return new ChatRequest(model, messages, tools, toolChoice(root.get("tool_choice")), sampling,
        optionalPositiveInt(root, "max_output_tokens"), List.of(), user,
        optionalBoolean(root, "stream", false), false, responseFormat(root.get("text")), parallel,
        reasoningEffort(root.get("reasoning")));
  }

  private static void refuseUntranslatable(JsonNode root) throws GatewayException {
    for (String field : REFUSED) {
      JsonNode v = root.get(field);
      if (v != null && !v.isNull()) throw untranslatable(field, "");
    }
    if (isTrue(root.get("store"))) {
      throw untranslatable("store", " Sluice stores no response to be fetched later; send 'store': false or leave it out.");
    }
    if (isTrue(root.get("background"))) throw untranslatable("background", " Sluice answers in the foreground only.");
    JsonNode include = root.get("include");
    if (include != null && !include.isNull()) {
      if (!include.isArray()) throw wrongType("include", "an array", include);
      for (JsonNode what : include) {
        if (!what.isTextual() || !INCLUDABLE.contains(what.asText())) {
          throw untranslatable("include", " Nothing can be included ('" + what.asText() + "').");
        }
      }
    }
    JsonNode reasoning = root.get("reasoning");
    if (reasoning != null && !reasoning.isNull() && !reasoning.isObject()) throw wrongType("reasoning", "an object", reasoning);
    JsonNode truncation = root.get("truncation");
    if (truncation != null && !truncation.isNull() && !"disabled".equals(truncation.asText())) {
      throw untranslatable("truncation", " Only 'disabled' is supported.");
    }
    JsonNode topLogprobs = root.get("top_logprobs");
    if (topLogprobs != null && !topLogprobs.isNull() && !(topLogprobs.isIntegralNumber() && topLogprobs.asLong() == 0)) {
      throw untranslatable("top_logprobs", "");
    }
  }

  /** {@code reasoning.effort}: a hint passed on where the provider has one, checked only for its shape. */
  private static String reasoningEffort(JsonNode reasoning) throws GatewayException {
    if (reasoning == null || !reasoning.isObject()) return null;
    JsonNode effort = reasoning.get("effort");
    if (effort == null || effort.isNull()) return null;
    if (!effort.isTextual() || !EFFORT.matcher(effort.asText()).matches()) {
      throw invalid("reasoning.effort", "Invalid 'reasoning.effort': expected a word such as 'low', 'medium' or 'high'.");
    }
    return effort.asText();
  }

  private static boolean isTrue(JsonNode v) {
    return v != null && v.isBoolean() && v.asBoolean();
  }

  private static GatewayException untranslatable(String field, String more) {
    return invalid(field, "'" + field + "' is not supported by Sluice, which translates requests between providers "
        + "and keeps no state of its own." + more);
  }


  private static ToolChoice toolChoice(JsonNode node) throws GatewayException {
    if (node == null || node.isNull()) return null;
    if (node.isTextual()) return toolChoiceMode(node.asText());
    if (!node.isObject()) throw wrongType("tool_choice", "a string or an object", node);
    String type = requiredString(node, "type", "tool_choice.type");
    if (!type.equals("function")) {
      throw invalid("tool_choice.type", "Tool choice type '" + type + "' is not supported by Sluice; use 'function'.");
    }
    return new ToolChoice(ToolChoice.Mode.FUNCTION, requiredString(node, "name", "tool_choice.name"));
  }

  /** {@code text.format} as Chat Completions' {@code response_format}, the canonical form; null for plain text. */
  private static String responseFormat(JsonNode text) throws GatewayException {
    if (text == null || text.isNull()) return null;
    if (!text.isObject()) throw wrongType("text", "an object", text);
    JsonNode format = text.get("format");
    if (format == null || format.isNull()) return null;
    if (!format.isObject()) throw wrongType("text.format", "an object", format);
    String type = requiredString(format, "type", "text.format.type");
    return switch (type) {
      case "text" -> null;
      case "json_object" -> "{\"type\":\"json_object\"}";
      case "json_schema" -> {
        JsonNode schema = format.get("schema");
        if (schema == null || schema.isNull()) throw missing("text.format.schema");
        if (!schema.isObject()) throw wrongType("text.format.schema", "an object", schema);
        var chat = Json.MAPPER.createObjectNode();
        chat.put("type", "json_schema");
        var inner = chat.putObject("json_schema");
        inner.put("name", requiredString(format, "name", "text.format.name"));
        String description = optionalString(format, "description", "text.format.description");
        if (description != null) inner.put("description", description);
        inner.set("schema", schema);
        JsonNode strict = format.get("strict");
        if (strict != null && !strict.isNull()) {
          if (!strict.isBoolean()) throw wrongType("text.format.strict", "a boolean", strict);
          inner.put("strict", strict.asBoolean());
        }
        yield chat.toString();
      }
      default -> throw invalid("text.format.type",
          "Invalid value: '" + type + "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
    };
  }

  private static void checkMetadata(JsonNode metadata) throws GatewayException {
    if (metadata == null || metadata.isNull()) return;
    if (!metadata.isObject()) throw wrongType("metadata", "an object", metadata);
    if (metadata.size() > MAX_METADATA_PAIRS) {
      throw invalid("metadata", "Invalid 'metadata': at most " + MAX_METADATA_PAIRS + " pairs are allowed.");
    }
    for (var entry : metadata.properties()) {
      String key = entry.getKey();
      if (key.length() > MAX_METADATA_KEY_CHARS) {
        throw invalid("metadata", "Invalid 'metadata': keys are at most " + MAX_METADATA_KEY_CHARS + " characters.");
      }
      JsonNode value = entry.getValue();
      if (!value.isTextual()) throw wrongType("metadata." + key, "a string", value);
      if (value.asText().length() > MAX_METADATA_VALUE_CHARS) {
        throw invalid("metadata." + key, "Invalid 'metadata." + key + "': values are at most "
            + MAX_METADATA_VALUE_CHARS + " characters.");
      }
    }
  }

  static GatewayException invalid(String param, String message) {
    return new GatewayException(GatewayError.invalid(param, message));
  }

  /** Turns {@code input} items into turns, joining each assistant turn's calls to it. */
  private static final class InputItems {
    private final List<Message> out;
    private final Set<String> callIds = new HashSet<>();
    /** The assistant turn being built: its text and the calls that follow it. */
    private List<ContentPart> assistantParts;
    private List<ToolCall> assistantCalls;

    InputItems(List<Message> out) {
      this.out = out;
    }

    void decode(JsonNode items) throws GatewayException {
      for (int i = 0; i < items.size(); i++) item(items.get(i), "input[" + i + "]");
      flushAssistant();
    }

    private void item(JsonNode item, String path) throws GatewayException {
      if (!item.isObject()) throw wrongType(path, "an object", item);
      String type = optionalString(item, "type", path + ".type");
      if (type == null && item.has("role")) type = "message";
      if (type == null) throw missing(path + ".type");
      switch (type) {
        case "message" -> message(item, path);
        case "function_call" -> {
          String callId = requiredString(item, "call_id", path + ".call_id");
          JsonNode args = item.get("arguments");
          String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : null;
          if (arguments == null) throw wrongType(path + ".arguments", "a string", args);
          if (assistantParts == null) {
            assistantParts = new ArrayList<>();
            assistantCalls = new ArrayList<>();
          }
          assistantCalls.add(new ToolCall(callId, requiredString(item, "name", path + ".name"), arguments));
          callIds.add(callId);
        }
        case "function_call_output" -> {
          flushAssistant();
          String callId = requiredString(item, "call_id", path + ".call_id");
          if (!callIds.contains(callId)) {
            throw invalid(path + ".call_id", "No function_call item with call_id '" + callId
                + "' comes before this function_call_output; Sluice keeps no earlier responses to find it in.");
          }
          out.add(new Message(Role.TOOL, content(item.get("output"), path + ".output", Role.TOOL), null, callId, null));
        }
        case "reasoning" -> {
          // The model's own earlier reasoning: it cannot be carried between providers, and the turns around it say what was said.
        }
        default -> throw invalid(path + ".type", "Input item type '" + type + "' is not supported by Sluice; use "
            + "'message', 'function_call' or 'function_call_output'.");
      }
    }

    private void message(JsonNode item, String path) throws GatewayException {
      String roleName = requiredString(item, "role", path + ".role");
      Role role = switch (roleName) {
        case "user" -> Role.USER;
        case "system" -> Role.SYSTEM;
        case "developer" -> Role.DEVELOPER;
        case "assistant" -> Role.ASSISTANT;
        default -> throw invalid(path + ".role", "Invalid value: '" + roleName
            + "'. Supported values are: 'user', 'system', 'developer' and 'assistant'.");
      };
      List<ContentPart> parts = content(item.get("content"), path + ".content", role);
      if (role == Role.ASSISTANT) {
        flushAssistant();
        assistantParts = new ArrayList<>(parts);
        assistantCalls = new ArrayList<>();
        return;
      }
      flushAssistant();
      out.add(new Message(role, parts, null, null, null));
    }

    private void flushAssistant() {
      if (assistantParts == null) return;
      out.add(new Message(Role.ASSISTANT, assistantParts, assistantCalls, null, null));
      assistantParts = null;
      assistantCalls = null;
    }

    /** A message's content, or (for {@link Role#TOOL}) a function call's output: a string, or parts. */
    private static List<ContentPart> content(JsonNode node, String path, Role role) throws GatewayException {
      if (node == null || node.isNull()) throw missing(path);
      if (node.isTextual()) return List.of(new ContentPart.Text(node.asText()));
      if (!node.isArray()) throw wrongType(path, "a string or an array of content parts", node);
      var parts = new ArrayList<ContentPart>(node.size());
      for (int i = 0; i < node.size(); i++) {
        String p = path + "[" + i + "]";
        JsonNode part = node.get(i);
        if (!part.isObject()) throw wrongType(p, "an object", part);
        String type = requiredString(part, "type", p + ".type");
        if (role == Role.TOOL && !type.equals("input_text")) {
          throw invalid(p + ".type", "Only 'input_text' parts are supported in a function_call_output, not '" + type + "'.");
        }
        switch (type) {
          case "input_text", "output_text" -> parts.add(new ContentPart.Text(requiredText(part, "text", p + ".text")));
          case "refusal" -> parts.add(new ContentPart.Text(requiredText(part, "refusal", p + ".refusal")));
          case "input_image" -> {
            if (role == Role.ASSISTANT) throw invalid(p + ".type", "Image parts are not allowed in assistant messages.");
            JsonNode fileId = part.get("file_id");
            if (fileId != null && !fileId.isNull()) {
              throw invalid(p + ".file_id", "Images by 'file_id' are not supported by Sluice: files live at one "
                  + "provider. Send an 'image_url' (a URL or a data: URI).");
            }
            parts.add(new ContentPart.Image(requiredString(part, "image_url", p + ".image_url"),
                optionalString(part, "detail", p + ".detail")));
          }
          default -> throw invalid(p + ".type", "Content part type '" + type + "' is not supported by Sluice; use "
              + "'input_text', 'output_text', 'refusal' or 'input_image'.");
        }
      }
      return parts;
    }
  }
}
