package dev.sluice.embedding;

import static dev.sluice.dialect.openai.OpenAiFields.optionalString;
import static dev.sluice.dialect.openai.OpenAiFields.readObject;
import static dev.sluice.dialect.openai.OpenAiFields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.ModelName;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes an OpenAI embeddings request body ({@code POST /v1/embeddings}): {@code input} as a string, an
 * array of strings, an array of token ids or an array of such arrays; {@code model};
 * {@code encoding_format} ({@code float} or {@code base64}); {@code dimensions}; {@code user}. Every
 * rejection is a 400 naming the field, in OpenAI's words.
 *
 * <p>Bounds, OpenAI's own where it states them: at most {@link #MAX_INPUTS} inputs, none empty; at most
 * {@link #MAX_TOTAL_SIZE} characters and token ids in all (so one request cannot make the gateway hash
 * without end); {@code dimensions} at most {@link #MAX_DIMENSIONS}; the model name as every dialect
 * bounds it ({@link ModelName}). Fields are read with the OpenAI dialect's readers, in OpenAI's words.
 */
public final class EmbeddingRequestDecoder {
  /** OpenAI's limit on the inputs of one request. */
  public static final int MAX_INPUTS = 2048;
  /** Characters of text inputs plus ids of token inputs, over the whole request. */
  public static final int MAX_TOTAL_SIZE = 1 << 20;
  /** Larger than any embedding model's vector (OpenAI's largest has 3072). */
  public static final int MAX_DIMENSIONS = 8192;

  private EmbeddingRequestDecoder() {}

  public static EmbeddingRequest decode(byte[] body) throws GatewayException {
    JsonNode root = readObject(body);
    String model = ModelName.check(requiredString(root, "model"));
    List<EmbeddingInput> inputs = inputs(root.get("input"));

    EncodingFormat format = EncodingFormat.FLOAT;
    JsonNode fmt = root.get("encoding_format");
    if (fmt != null && !fmt.isNull()) {
      format = switch (fmt.isTextual() ? fmt.asText() : "") {
        case "float" -> EncodingFormat.FLOAT;
        case "base64" -> EncodingFormat.BASE64;
        default -> throw invalid("encoding_format",
            "Invalid value for 'encoding_format': supported values are 'float' and 'base64'.");
      };
    }
    Integer dimensions = null;
    JsonNode dims = root.get("dimensions");
    if (dims != null && !dims.isNull()) {
      if (!dims.isIntegralNumber() || !dims.canConvertToInt() || dims.asInt() < 1 || dims.asInt() > MAX_DIMENSIONS) {
        throw invalid("dimensions", "Invalid 'dimensions': expected an integer from 1 to " + MAX_DIMENSIONS + ".");
      }
      dimensions = dims.asInt();
    }
    return new EmbeddingRequest(model, inputs, format, dimensions, optionalString(root, "user"));
  }

  private static List<EmbeddingInput> inputs(JsonNode input) throws GatewayException {
    if (input == null || input.isNull()) throw invalid("input", "Missing required parameter: 'input'.");
    if (input.isTextual()) return List.of(text(input, "input"));
    if (!input.isArray()) throw invalid("input", "Invalid type for 'input': expected a string or an array.");
    if (input.isEmpty()) throw invalid("input", "Invalid 'input': empty array. Expected an array with minimum length 1.");
    if (input.size() > MAX_INPUTS) {
      throw invalid("input", "Invalid 'input': at most " + MAX_INPUTS + " inputs are allowed; got " + input.size() + ".");
    }
    // An array of numbers is one tokenized input; otherwise each element is an input.
    if (input.get(0).isNumber()) return List.of(tokens(input, "input"));
    var inputs = new ArrayList<EmbeddingInput>(input.size());
    long total = 0;
    for (int i = 0; i < input.size(); i++) {
      String path = "input[" + i + "]";
      JsonNode item = input.get(i);
      EmbeddingInput one;
      if (item.isTextual()) {
        one = text(item, path);
      } else if (item.isArray()) {
        one = tokens(item, path);
      } else {
        throw invalid(path, "Invalid type for '" + path + "': expected a string or an array of token ids.");
      }
      total += one.size();
      if (total > MAX_TOTAL_SIZE) {
        throw invalid("input", "Invalid 'input': at most " + MAX_TOTAL_SIZE
            + " characters and token ids are accepted in one request.");
      }
      inputs.add(one);
    }
    return inputs;
  }

  private static EmbeddingInput text(JsonNode node, String path) throws GatewayException {
    String text = node.asText();
    if (text.isEmpty()) throw invalid(path, "Invalid '" + path + "': empty string.");
    if (text.length() > MAX_TOTAL_SIZE) {
      throw invalid(path, "Invalid '" + path + "': at most " + MAX_TOTAL_SIZE + " characters are accepted.");
    }
    return new EmbeddingInput.Text(text);
  }

  private static EmbeddingInput tokens(JsonNode node, String path) throws GatewayException {
    if (node.isEmpty()) throw invalid(path, "Invalid '" + path + "': empty array of token ids.");
    if (node.size() > MAX_TOTAL_SIZE) {
      throw invalid(path, "Invalid '" + path + "': at most " + MAX_TOTAL_SIZE + " token ids are accepted.");
    }
    var ids = new ArrayList<Integer>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode id = node.get(i);
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw invalid(path, "Invalid '" + path + "': token ids are non-negative integers.");
      }
      ids.add(id.asInt());
    }
    return new EmbeddingInput.Tokens(ids);
  }

  private static GatewayException invalid(String param, String message) {
    return new GatewayException(GatewayError.invalid(param, message));
  }
}
