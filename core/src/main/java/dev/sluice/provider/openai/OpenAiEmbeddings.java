package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * Embeddings from an OpenAI-compatible upstream: {@code POST {baseUrl}/embeddings} with the provider key
 * and the client's own body (its model renamed to the upstream's), the JSON answer relayed as it came
 * (float or base64, as the client asked) and its {@code usage.prompt_tokens} read for the ledger. An
 * upstream error is mapped as a Chat Completions error is ({@link OpenAiErrorMapper}): the provider key
 * scrubbed, credentials refusals hidden from the tenant.
 */
public final class OpenAiEmbeddings {
  /**
   * The largest answer read: 2,048 inputs of 3,072 floats written as JSON text come to about 64 MiB;
   * a bigger body is refused rather than held.
   */
  private static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

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
    Request post = client.newRequest(upstream.endpoint("/embeddings")).method(HttpMethod.POST)
        .timeout(upstream.headersTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .headers(headers -> {
          headers.put(HttpHeader.ACCEPT, "application/json");
          if (upstream.apiKey() != null) headers.put(HttpHeader.AUTHORIZATION, "Bearer " + upstream.apiKey());
        })
        .body(new StringRequestContent("application/json", body));
    UpstreamHttp.forBaseUrl(post, upstream.baseUrl());
    ContentResponse response;
    try {
      response = new CompletableResponseListener(post, MAX_ANSWER_BYTES).send().get();
    } catch (InterruptedException e) {
      post.abort(e);
      Thread.currentThread().interrupt();
      throw new GatewayException(GatewayError.of(ErrorType.CANCELLED, "the embeddings request was cancelled"));
    } catch (ExecutionException e) {
      throw new GatewayException(errors.sendFailed(e.getCause(), upstream.headersTimeout()));
    }
    String text = response.getContentAsString();
    if (response.getStatus() / 100 != 2) {
      throw new GatewayException(errors.statusError(response.getStatus(), response.getHeaders(), text));
    }
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new GatewayException(errors.malformed("an embeddings answer that is not JSON", text));
    }
    if (answer != null && answer.has("error")) {
      throw new GatewayException(errors.notAStream(response.getStatus(), "application/json", text));
    }
    if (answer == null || !answer.path("data").isArray()) {
      throw new GatewayException(errors.malformed("an embeddings answer without a 'data' array", text));
    }
    return new Answer(text, answer.path("model").asText(upstreamModel),
        answer.path("usage").path("prompt_tokens").asLong(0));
  }
}
