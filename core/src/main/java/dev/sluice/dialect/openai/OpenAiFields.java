package dev.sluice.dialect.openai;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reading an OpenAI request body (Chat Completions, Responses, embeddings) with OpenAI's own words
 * for what is wrong: {@code Missing required parameter: 'x'.}, {@code Invalid type for 'x': expected a
 * string, but got an integer instead.}. Each rejection names the field at fault as its {@code param}.
 */
public final class OpenAiFields {
  private OpenAiFields() {}

  /** The body as a JSON object, or a 400 saying why it is not one. */
  public static JsonNode readObject(byte[] body) throws GatewayException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new GatewayException(GatewayError.invalid(null,
          "We could not parse the JSON body of your request: " + e.getOriginalMessage()
              + ". (HINT: the body must be a JSON object.)"));
    } catch (IOException e) {
      throw new GatewayException(GatewayError.invalid(null, "The request body could not be read."), e);
    }
    if (root == null || !root.isObject()) {
      throw new GatewayException(GatewayError.invalid(null, "The request body must be a JSON object."));
    }
    return root;
  }

  /**
   * The {@code tools} array: function tools only, each read by {@link #functionTool} from the tool itself
   * (Responses' flat shape) or, when {@code nested}, from its {@code function} object (Chat Completions).
   * Any other type is refused naming the tool, with {@code why} after the standard sentence.
   */
  public static List<ToolDefinition> functionTools(JsonNode node, boolean nested, String why) throws GatewayException {
    return functionTools(node, nested, why, Set.of());
  }

  /**
   * As {@link #functionTools(JsonNode, boolean, String)}, leaving out the tools whose type is in
   * {@code leftOut} instead of refusing them: tools only offered, which the model may always leave unused.
   */
  public static List<ToolDefinition> functionTools(JsonNode node, boolean nested, String why, Set<String> leftOut)
      throws GatewayException {
    if (node == null || node.isNull()) return List.of();
    if (!node.isArray()) throw wrongType("tools", "an array", node);
    var tools = new ArrayList<ToolDefinition>(node.size());
    for (int i = 0; i < node.size(); i++) {
      String p = "tools[" + i + "]";
      JsonNode tool = node.get(i);
      if (!tool.isObject()) throw wrongType(p, "an object", tool);
      String type = requiredString(tool, "type", p + ".type");
      if (leftOut.contains(type)) continue;
      if (!type.equals("function")) {
        throw new GatewayException(GatewayError.invalid(p + ".type",
            "Tool type '" + type + "' is not supported by Sluice; use 'function'." + why));
      }
      if (!nested) {
        tools.add(functionTool(tool, p));
        continue;
      }
      JsonNode fn = tool.get("function");
      if (fn == null || !fn.isObject()) throw missing(p + ".function");
      tools.add(functionTool(fn, p + ".function"));
    }
    return tools;
  }

  /**
   * A function tool's {@code name}, {@code description}, {@code parameters} and {@code strict}, read from
   * {@code fn} at {@code path}: Chat Completions nests them in {@code function}, Responses does not.
   */
  static ToolDefinition functionTool(JsonNode fn, String path) throws GatewayException {
    JsonNode params = fn.get("parameters");
    if (params != null && !params.isNull() && !params.isObject()) throw wrongType(path + ".parameters", "an object", params);
    JsonNode strict = fn.get("strict");
    if (strict != null && !strict.isNull() && !strict.isBoolean()) throw wrongType(path + ".strict", "a boolean", strict);
    return new ToolDefinition(requiredString(fn, "name", path + ".name"),
        optionalString(fn, "description", path + ".description"),
        params == null || params.isNull() ? null : params.toString(),
        strict == null || strict.isNull() ? null : strict.asBoolean());
  }

  /** {@code tool_choice} as a string: {@code auto}, {@code none} or {@code required}. */
  public static ToolChoice toolChoiceMode(String value) throws GatewayException {
    return switch (value) {
      case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, null);
      case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
      case "required" -> new ToolChoice(ToolChoice.Mode.REQUIRED, null);
      default -> throw new GatewayException(GatewayError.invalid("tool_choice",
          "Invalid value: '" + value + "'. Supported values are: 'none', 'auto' and 'required'."));
    };
  }

  public static String requiredString(JsonNode obj, String field) throws GatewayException {
    return requiredString(obj, field, field);
  }

  public static String requiredString(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) throw missing(path);
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    if (v.asText().isEmpty()) {
      throw new GatewayException(GatewayError.invalid(path, "Invalid '" + path + "': empty string."));
    }
    return v.asText();
  }

  /** A string that may be empty ({@code "text": ""} is a legal part). */
  public static String requiredText(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) throw missing(path);
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    return v.asText();
  }

  public static String optionalString(JsonNode obj, String field) throws GatewayException {
    return optionalString(obj, field, field);
  }

  public static String optionalString(JsonNode obj, String field, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isTextual()) throw wrongType(path, "a string", v);
    return v.asText();
  }

  public static boolean optionalBoolean(JsonNode obj, String field, boolean fallback) throws GatewayException {
    return optionalBoolean(obj, field, fallback, field);
  }

  public static boolean optionalBoolean(JsonNode obj, String field, boolean fallback, String path) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return fallback;
    if (!v.isBoolean()) throw wrongType(path, "a boolean", v);
    return v.asBoolean();
  }

  public static Integer optionalPositiveInt(JsonNode obj, String field) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrongType(field, "an integer", v);
    if (v.asInt() < 1) {
      throw new GatewayException(GatewayError.invalid(field,
          "Invalid '" + field + "': integer below minimum value. Expected a value >= 1, but got " + v.asInt() + " instead."));
    }
    return v.asInt();
  }

  public static Long optionalLong(JsonNode obj, String field) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isIntegralNumber() || !v.canConvertToLong()) throw wrongType(field, "an integer", v);
    return v.asLong();
  }

  public static Double optionalNumber(JsonNode obj, String field, double min, double max) throws GatewayException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isNumber()) throw wrongType(field, "a number", v);
    double d = v.asDouble();
    if (d < min || d > max) {
      throw new GatewayException(GatewayError.invalid(field,
          "Invalid '" + field + "': expected a value between " + fmt(min) + " and " + fmt(max) + ", but got " + v + " instead."));
    }
    return d;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  public static GatewayException missing(String path) {
    return new GatewayException(GatewayError.invalid(path, "Missing required parameter: '" + path + "'."));
  }

  public static GatewayException wrongType(String path, String expected, JsonNode got) {
    return new GatewayException(GatewayError.invalid(path,
        "Invalid type for '" + path + "': expected " + expected + ", but got " + describe(got) + " instead."));
  }

  private static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case BOOLEAN -> "a boolean";
      case NUMBER -> node.isIntegralNumber() ? "an integer" : "a decimal";
      case STRING -> "a string";
      case NULL, MISSING -> "null";
      case BINARY -> "binary data";
    };
  }
}
