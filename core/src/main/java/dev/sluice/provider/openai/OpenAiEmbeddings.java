package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Embeddings from an OpenAI-compatible upstream: {@code POST {baseUrl}/embeddings} with the provider key
 * and the client's own body (its model renamed to the upstream's), the JSON answer relayed as it came
 * (float or base64, as the client asked) and its {@code usage.prompt_tokens} read for the ledger. An
 * upstream error is mapped as a Chat Completions error is ({@link OpenAiErrorMapper}): the provider key
 * scrubbed, credentials refusals hidden from the tenant.
 */
public final class OpenAiEmbeddings {
  private final UpstreamConfig upstream;
  private final HttpClient client;
  private final OpenAiErrorMapper errors;

  /** What the upstream answered: its JSON body, the model it names and the input tokens it counted. */
  public record Answer(String json, String model, long promptTokens) {}

  public OpenAiEmbeddings(OpenAiConfig config, HttpClient client) {
    this.upstream = config.upstream();
    this.client = client;
    this.errors = new OpenAiErrorMapper(upstream.name(), upstream.apiKey());
  }

  /**
   * Embeds what {@code clientBody} (an embeddings request, already checked) asks, with {@code upstreamModel}.
   *
   * @throws GatewayException the upstream's error, or its failure to answer, in the gateway's terms
   */
  public Answer embed(byte[] clientBody, String upstreamModel) throws GatewayException {
    String body;
    try {
      ObjectNode request = (ObjectNode) Json.MAPPER.readTree(clientBody);
      request.put("model", upstreamModel);
      body = Json.MAPPER.writeValueAsString(request);
    } catch (IOException | ClassCastException e) {
      throw new GatewayException(GatewayError.of(ErrorType.INVALID_REQUEST, "The body is not a JSON object."));
    }
    var builder = HttpRequest.newBuilder(upstream.endpoint("/embeddings")).timeout(upstream.headersTimeout())
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (upstream.apiKey() != null) builder.header("Authorization", "Bearer " + upstream.apiKey());
    HttpResponse<String> response;
    try {
      response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayException(GatewayError.of(ErrorType.CANCELLED, "the embeddings request was cancelled"));
    } catch (IOException e) {
      throw new GatewayException(errors.sendFailed(e, upstream.headersTimeout()));
    }
    if (response.statusCode() / 100 != 2) {
      throw new GatewayException(errors.statusError(response.statusCode(), response.headers(), response.body()));
    }
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new GatewayException(errors.malformed("an embeddings answer that is not JSON", response.body()));
    }
    if (answer != null && answer.has("error")) {
      throw new GatewayException(errors.notAStream(response.statusCode(), "application/json", response.body()));
    }
    if (answer == null || !answer.path("data").isArray()) {
      throw new GatewayException(errors.malformed("an embeddings answer without a 'data' array", response.body()));
    }
    return new Answer(response.body(), answer.path("model").asText(upstreamModel),
        answer.path("usage").path("prompt_tokens").asLong(0));
  }
}
