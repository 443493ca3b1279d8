package dev.sluice.dialect.browser;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.ModelName;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes the browser endpoints' requests: {@code GET /api/chat/stream?prompt=...&model=...} for
 * {@code EventSource}, and {@code POST /api/chat} with {@code {"model", "messages": [{"role",
 * "content"}...]}} for {@code fetch}. Both stream; the model defaults to {@code sim/chat}.
 */
public final class BrowserRequestDecoder {
  /** The model the chat page talks to when the client names none: always live, needs no key. */
  public static final String DEFAULT_MODEL = "sim/chat";

  private BrowserRequestDecoder() {}

  /** From query parameters (first value of each). */
  public static ChatRequest fromQuery(Map<String, String> query) throws GatewayException {
    String prompt = query.get("prompt");
    if (prompt == null || prompt.isBlank()) {
      throw new GatewayException(GatewayError.invalid("prompt", "The 'prompt' query parameter is required."));
    }
    String model = ModelName.check(query.getOrDefault("model", ""));
    Integer maxTokens = positiveInt(query.get("max_tokens"), "max_tokens");
    return new ChatRequest(model.isBlank() ? DEFAULT_MODEL : model, List.of(Message.text(Role.USER, prompt)),
        List.of(), null, Sampling.DEFAULT, maxTokens, List.of(), null, true, false, null, null);
  }

  /** From a JSON body. */
  public static ChatRequest fromJson(byte[] body) throws GatewayException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new GatewayException(GatewayError.invalid(null, "The body is not valid JSON: " + e.getOriginalMessage()));
    } catch (java.io.IOException e) {
      throw new GatewayException(GatewayError.invalid(null, "The request body could not be read."), e);
    }
    if (root == null || !root.isObject()) {
      throw new GatewayException(GatewayError.invalid(null, "The body must be a JSON object."));
    }
    JsonNode modelNode = root.get("model");
    String model = DEFAULT_MODEL;
    if (modelNode != null && !modelNode.isNull()) {
      if (!modelNode.isTextual()) throw new GatewayException(GatewayError.invalid("model", "'model' must be a string."));
      if (!modelNode.asText().isBlank()) model = ModelName.check(modelNode.asText());
    }
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new GatewayException(GatewayError.invalid("messages",
          "'messages' must be a non-empty array of {\"role\", \"content\"} objects."));
    }
    var list = new ArrayList<Message>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String path = "messages[" + i + "]";
      if (!m.isObject()) throw new GatewayException(GatewayError.invalid(path, "'" + path + "' must be an object."));
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw new GatewayException(GatewayError.invalid(path + ".role", "'" + path + ".role' must be a string."));
      }
      if (content == null || !content.isTextual()) {
        throw new GatewayException(GatewayError.invalid(path + ".content", "'" + path + ".content' must be a string."));
      }
      Role r = switch (role.asText()) {
        case "system" -> Role.SYSTEM;
        case "user" -> Role.USER;
        case "assistant" -> Role.ASSISTANT;
        default -> throw new GatewayException(GatewayError.invalid(path + ".role",
            "'" + path + ".role' must be 'system', 'user' or 'assistant'."));
      };
      list.add(Message.text(r, content.asText()));
    }
    JsonNode maxTokens = root.get("max_tokens");
    Integer max = null;
    if (maxTokens != null && !maxTokens.isNull()) {
      if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
        throw new GatewayException(GatewayError.invalid("max_tokens", "'max_tokens' must be a positive integer."));
      }
      max = maxTokens.asInt();
    }
    return new ChatRequest(model, list, List.of(), null, Sampling.DEFAULT, max, List.of(), null, true, false, null, null);
  }

  private static Integer positiveInt(String value, String name) throws GatewayException {
    if (value == null || value.isBlank()) return null;
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) return n;
    } catch (NumberFormatException e) {
      // Falls through to the error below, which names the parameter.
    }
    throw new GatewayException(GatewayError.invalid(name, "'" + name + "' must be a positive integer."));
  }
}
