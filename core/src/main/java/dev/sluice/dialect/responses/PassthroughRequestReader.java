package dev.sluice.dialect.responses;

import static dev.sluice.dialect.openai.OpenAiFields.optionalBoolean;
import static dev.sluice.dialect.openai.OpenAiFields.optionalPositiveInt;
import static dev.sluice.dialect.openai.OpenAiFields.optionalString;
import static dev.sluice.dialect.openai.OpenAiFields.readObject;
import static dev.sluice.dialect.openai.OpenAiFields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.ModelName;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Responses request that goes to a Responses upstream as it is (the passthrough): only what the
 * guard, the budgets and the ledger need, and nothing refused, since nothing is translated. The model
 * is checked as for every request; {@code max_output_tokens} and {@code stream} are read as the full
 * decoder reads them; the input is estimated from its instructions and its {@code input} as JSON text
 * (a little more than the words themselves: a reservation that errs high). The body itself travels in
 * {@link ChatRequest#passthroughBody}.
 */
public final class PassthroughRequestReader {

  private PassthroughRequestReader() {}

  /** The model the body names and whether it streams, before it is known which path it takes. */
  public record Heading(String model, boolean stream) {}

  public static Heading heading(byte[] body) throws GatewayException {
    JsonNode root = readObject(body);
    return new Heading(ModelName.check(requiredString(root, "model", "model")), optionalBoolean(root, "stream", false));
  }

  public static ChatRequest read(byte[] body) throws GatewayException {
    JsonNode root = readObject(body);
    String model = ModelName.check(requiredString(root, "model", "model"));
    var messages = new ArrayList<Message>();
    String instructions = optionalString(root, "instructions", "instructions");
    if (instructions != null) messages.add(Message.text(Role.SYSTEM, instructions));
    JsonNode input = root.get("input");
    String said = input == null || input.isNull() ? "" : input.isTextual() ? input.asText() : input.toString();
    messages.add(Message.text(Role.USER, said));
    String user = optionalString(root, "user", "user");
    if (user == null) user = optionalString(root, "safety_identifier", "safety_identifier");
    return new ChatRequest(model, messages, List.of(), null, Sampling.DEFAULT,
        optionalPositiveInt(root, "max_output_tokens"), List.of(), user, optionalBoolean(root, "stream", false),
        false, null, null, null, new String(body, StandardCharsets.UTF_8));
  }
}
