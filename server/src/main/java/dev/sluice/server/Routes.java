package dev.sluice.server;

import dev.sluice.dialect.anthropic.AnthropicErrors;
import dev.sluice.dialect.browser.BrowserStreamEncoder;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.json.Json;
import dev.sluice.route.ModelRouter;
import dev.sluice.server.endpoint.AdminEndpoint;
import dev.sluice.server.endpoint.ApiEndpoint;
import dev.sluice.server.endpoint.BrowserEndpoint;
import dev.sluice.server.endpoint.ChatCompletionsDialect;
import dev.sluice.server.endpoint.EmbeddingsEndpoint;
import dev.sluice.server.endpoint.MessagesDialect;
import dev.sluice.server.endpoint.Probes;
import dev.sluice.server.endpoint.ResponsesDialect;
import dev.sluice.server.endpoint.UsageEndpoint;
import dev.sluice.server.endpoint.WebAssets;
import dev.sluice.server.guard.Guard;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.http.Router;
import dev.sluice.server.http.SiteCheck;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Set;
import org.eclipse.jetty.server.Request;

/**
 * Which endpoint answers which method and path: the gateway's route table. Model endpoints and
 * {@code /v1/*} and {@code /api/*} authenticate first; a path no endpoint serves is a 404 in the
 * caller's dialect.
 */
final class Routes implements Router {
  private static final Set<String> MODEL_ENDPOINTS =
      Set.of("/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/messages", "/api/chat", "/api/chat/stream");

  private final Gateway gateway;
  private final ApiEndpoint chatCompletions;
  private final ApiEndpoint responses;
  private final ApiEndpoint messages;
  private final EmbeddingsEndpoint embeddings;
  private final BrowserEndpoint browser;
  private final UsageEndpoint usage;
  private final AdminEndpoint admin;
  private final String indexHtml;
  private final WebAssets assets = new WebAssets();
  private final SiteCheck sites;

  Routes(Gateway gateway, SiteCheck sites) {
    this.gateway = gateway;
    this.sites = sites;
    this.chatCompletions = new ApiEndpoint(gateway, new ChatCompletionsDialect());
    this.responses = new ApiEndpoint(gateway, new ResponsesDialect());
    this.messages = new ApiEndpoint(gateway, new MessagesDialect());
    this.embeddings = new EmbeddingsEndpoint(gateway);
    this.browser = new BrowserEndpoint(gateway);
    this.usage = new UsageEndpoint(gateway.usage());
    this.admin = new AdminEndpoint(gateway.guard());
    this.indexHtml = resource("/web/index.html");
  }

  @Override
  public boolean isModelEndpoint(String path) {
    return MODEL_ENDPOINTS.contains(path);
  }

  @Override
  public Outcome route(Exchange exchange) throws IOException {
    return route(exchange, exchange.request().getMethod(), Request.getPathInContext(exchange.request()));
  }

  private Outcome route(Exchange exchange, String method, String path) throws IOException {
    ClientChannel channel = exchange.channel();
    GatewayError foreign = sites.refusal(exchange.request());
    if (foreign != null) return refuse(exchange, path, foreign);
    if (path.startsWith("/v1/") || path.startsWith("/api/")) {
      Outcome refused = authenticate(exchange, path);
      if (refused != null) return refused;
    }
    if (path.startsWith("/admin/")) {
      admin.handle(exchange, method, path);
      return null;
    }
    switch (path) {
      case "/v1/chat/completions" -> {
        if (!allow(exchange, method, "POST", true)) return null;
        return chatCompletions.handle(exchange);
      }
      case "/v1/responses" -> {
        if (!allow(exchange, method, "POST", true)) return null;
        return responses.handle(exchange);
      }
      case "/v1/embeddings" -> {
        if (!allow(exchange, method, "POST", true)) return null;
        return embeddings.handle(exchange);
      }
      case "/v1/messages" -> {
        if (method.equals("POST")) return messages.handle(exchange);
        exchange.response().getHeaders().put("Allow", "POST");
        new MessagesDialect().respondError(GatewayError.of(ErrorType.METHOD_NOT_ALLOWED, "Use POST for this endpoint."),
            channel);
        return null;
      }
      case "/api/chat/stream" -> {
        if (!allow(exchange, method, "GET", false)) return null;
        return browser.stream(exchange, true);
      }
      case "/api/chat" -> {
        if (!allow(exchange, method, "POST", false)) return null;
        return browser.stream(exchange, false);
      }
      case "/v1/usage" -> {
        if (allow(exchange, method, "GET", true)) {
          // A virtual key sees its own rows; the admin key, and anyone while auth is off, all of them.
          usage.handle(exchange, exchange.account().keyId());
        }
        return null;
      }
      case "/v1/models" -> {
        if (allow(exchange, method, "GET", true)) channel.respond(200, "application/json", models());
        return null;
      }
      case "/healthz" -> {
        if (allow(exchange, method, "GET", false)) channel.respond(200, "application/json", "{\"status\":\"ok\"}");
        return null;
      }
      case "/readyz" -> {
        if (allow(exchange, method, "GET", false)) Probes.readyz(gateway.lifecycle(), channel);
        return null;
      }
      case "/metrics" -> {
        if (allow(exchange, method, "GET", false)) channel.respond(200, Telemetry.CONTENT_TYPE, gateway.telemetry().scrape());
        return null;
      }
      case "/", "/index.html" -> {
        if (allow(exchange, method, "GET", false)) {
          exchange.response().getHeaders().put("Cache-Control", "no-cache");
          channel.respond(200, "text/html; charset=utf-8", indexHtml);
        }
        return null;
      }
      default -> {
        WebAssets.Asset asset = assets.find(path);
        if (asset != null) {
          if (method.equals("HEAD") || allow(exchange, method, "GET", false)) { // Jetty sends no body to HEAD
            exchange.response().getHeaders().put("Cache-Control", asset.cacheControl());
            channel.respond(200, asset.contentType(), asset.body());
          }
          return null;
        }
        if (path.startsWith("/api/streams/") && path.length() > "/api/streams/".length()) {
          String streamId = path.substring("/api/streams/".length());
          if (method.equals("GET")) browser.resume(exchange, streamId);
          else if (allow(exchange, method, "DELETE", false)) browser.abort(exchange, streamId);
          return null;
        }
        GatewayError error = GatewayError.of(ErrorType.NOT_FOUND, "No endpoint at " + method + " " + path + ".");
        respond(exchange, error, path.startsWith("/v1/"));
        return null;
      }
    }
  }

  /**
   * Sets who calls; a missing, unknown or revoked key while auth is on is a 401 in the caller's
   * dialect (and a {@code rejected} row for the model endpoints), returned as the outcome.
   */
  private Outcome authenticate(Exchange exchange, String path) throws IOException {
    try {
      exchange.account().caller(gateway.guard().authenticate(Guard.presented(exchange.request().getHeaders())));
      return null;
    } catch (GatewayException e) {
      if (e.error().type() == ErrorType.AUTHENTICATION) exchange.response().getHeaders().put("WWW-Authenticate", "Bearer");
      return refuse(exchange, path, e.error());
    }
  }

  /**
   * Answers a refusal before any endpoint ran, in the caller's dialect, and gives a model request
   * its {@code rejected} row.
   */
  private Outcome refuse(Exchange exchange, String path, GatewayError error) throws IOException {
    Outcome outcome = Outcome.rejected(error);
    if (MODEL_ENDPOINTS.contains(path)) gateway.accountant().record(exchange.account(), outcome, null);
    String body = path.equals("/v1/messages") ? AnthropicErrors.body(error)
        : path.startsWith("/api/") ? BrowserStreamEncoder.errorData(error) : OpenAiErrors.body(error);
    exchange.channel().respond(error.httpStatus(), "application/json", body);
    return outcome;
  }

  private boolean allow(Exchange exchange, String method, String allowed, boolean openAi) throws IOException {
    if (method.equals(allowed)) return true;
    exchange.response().getHeaders().put("Allow", allowed);
    respond(exchange, GatewayError.of(ErrorType.METHOD_NOT_ALLOWED, "Use " + allowed + " for this endpoint."), openAi);
    return false;
  }

  private static void respond(Exchange exchange, GatewayError error, boolean openAi) throws IOException {
    exchange.channel().respond(error.httpStatus(), "application/json",
        openAi ? OpenAiErrors.body(error) : BrowserStreamEncoder.errorData(error));
  }

  /** Every model routable now ({@link ModelRouter#routableModels}), aliases included, and {@code sim/embed}. */
  private String models() {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("object", "list");
      g.writeArrayFieldStart("data");
      var ids = new ArrayList<>(gateway.router().routableModels());
      ids.add(EmbeddingsEndpoint.SIM_MODEL);
      for (String id : ids) {
        int slash = id.indexOf('/');
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "model");
        g.writeNumberField("created", 0);
        // An alias belongs to the gateway's configuration, not to one provider.
        g.writeStringField("owned_by", slash > 0 ? id.substring(0, slash) : "sluice");
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static String resource(String name) {
    try (InputStream in = Routes.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
