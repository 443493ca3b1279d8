package dev.sluice.server.endpoint;

import dev.sluice.embedding.EmbeddingInput;
import dev.sluice.embedding.EmbeddingRequest;
import dev.sluice.embedding.EmbeddingRequestDecoder;
import dev.sluice.embedding.EmbeddingResponse;
import dev.sluice.embedding.EmbeddingResponseEncoder;
import dev.sluice.provider.Provider;
import dev.sluice.provider.openai.OpenAiEmbeddings;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.provider.sim.SimEmbeddings;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.route.Route;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.server.relay.Outcome;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Usage;
import dev.sluice.usage.TokenEstimator;
import java.io.IOException;

/**
 * {@code POST /v1/embeddings}, OpenAI's embeddings API, not streamed: through the guard as a chat request
 * goes (keys, model allow-lists, budgets, rate limits; only the input is reserved), to {@code sim/embed}
 * or to an OpenAI-compatible provider (the {@code openai} provider and {@code providers:} entries of
 * kind {@code openai}), whose JSON answer is relayed as it came. Every request leaves one ledger row with
 * its input tokens and their cost where the price table has the model. Other providers offer no
 * embeddings through Sluice: a 400 naming {@code model}.
 */
public final class EmbeddingsEndpoint {
  /** {@code sim/embed}, the simulated embedding model, not a chat model of the sim provider. */
  public static final String SIM_MODEL = SimProvider.NAME + "/" + SimEmbeddings.MODEL;

  private final Gateway gateway;
  private final SimEmbeddings sim = new SimEmbeddings();

  public EmbeddingsEndpoint(Gateway gateway) {
    this.gateway = gateway;
  }

  public Outcome handle(Exchange exchange) throws IOException {
    EmbeddingRequest request = null;
    byte[] body;
    Route route = null;
    try {
      RequestBodies.requireJson(exchange.request());
      body = RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes());
      request = EmbeddingRequestDecoder.decode(body);
      exchange.account().reservation(gateway.guard().admitEmbeddings(exchange.account().caller(),
          exchange.clientAddress(), request.model(), inputTokens(request)));
      if (gateway.lifecycle().draining()) throw new GatewayException(Lifecycle.SHUTTING_DOWN);
      if (!request.model().equals(SIM_MODEL)) route = embeddingRoute(request.model());
    } catch (GatewayException e) {
      return ApiEndpoint.rejectFor(gateway, exchange, request == null ? null : request.model(), e.error(),
          ChatCompletionsDialect::respondOpenAiError);
    }
    String model = route == null ? SIM_MODEL : route.qualifiedModel();
    String json;
    long promptTokens;
    try {
      if (route == null) {
        EmbeddingResponse answer = sim.embed(request);
        json = EmbeddingResponseEncoder.encode(answer, request.encodingFormat());
        promptTokens = answer.promptTokens();
      } else {
        OpenAiEmbeddings.Answer answer = embeddingsOf((OpenAiProvider) route.provider())
            .embed(body, route.upstreamModel());
        json = answer.json();
        promptTokens = answer.promptTokens();
      }
    } catch (GatewayException e) {
      GatewayError error = e.error();
      Outcome failed = new Outcome(Outcome.Status.ofFailure(error), null, error, Usage.NONE, model, 0, -1);
      gateway.accountant().record(exchange.account(), failed, request.model());
      ChatCompletionsDialect.respondOpenAiError(error, exchange.channel());
      return failed;
    }
    Outcome done = new Outcome(Outcome.Status.COMPLETED, null, null, Usage.of(promptTokens, 0), model, 0, -1);
    gateway.accountant().record(exchange.account(), done, request.model());
    exchange.channel().respond(200, "application/json", json);
    return done;
  }

  /** Embeddings through the provider's own client, the gateway's one shared upstream client and its pool. */
  private static OpenAiEmbeddings embeddingsOf(OpenAiProvider provider) {
    return new OpenAiEmbeddings(provider.config(), provider.client());
  }

  /** The route of an embeddings model: an OpenAI-compatible provider's, else a 400 naming {@code model}. */
  private Route embeddingRoute(String model) throws GatewayException {
    Route route = gateway.router().resolve(model);
    Provider provider = route.provider();
    if (provider instanceof OpenAiProvider) return route;
    throw new GatewayException(GatewayError.invalid("model", "Model '" + model + "' offers no embeddings through "
        + "Sluice: use '" + SIM_MODEL + "' or a model of an OpenAI-compatible provider."));
  }

  /** About how many tokens the input is, for the rate limits and the budget's reservation. */
  private static long inputTokens(EmbeddingRequest request) {
    long tokens = 0;
    for (EmbeddingInput input : request.inputs()) {
      tokens += switch (input) {
        case EmbeddingInput.Text t -> TokenEstimator.text(t.text());
        case EmbeddingInput.Tokens ids -> ids.size();
      };
    }
    return tokens;
  }
}
