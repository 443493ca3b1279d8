package dev.sluice.server.endpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.json.Json;
import dev.sluice.server.guard.BudgetPeriod;
import dev.sluice.server.guard.Guard;
import dev.sluice.server.guard.KeyStore;
import dev.sluice.server.guard.VirtualKey;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.ModelName;
import dev.sluice.usage.Cost;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual key management with the admin key ({@code SLUICE_ADMIN_KEY}): {@code POST /admin/keys}
 * creates a key and shows its secret once, {@code GET /admin/keys} lists keys (never secrets),
 * {@code DELETE /admin/keys/{id}} revokes one. Errors in OpenAI's shape.
 */
public final class AdminEndpoint {
  /**
   * The largest budget a key may have. Spend is counted in whole pico-dollars in a {@code long} (and
   * in Redis's doubles for shared budgets), so a budget must stay far below 9.2 million USD.
   */
  static final BigDecimal MAX_BUDGET_USD = BigDecimal.valueOf(1_000_000);
  /** Bounds on what an admin names: a key's name and its model list become rows and log fields. */
  private static final int MAX_NAME_CHARS = 200;
  private static final int MAX_MODELS = 100;

  private static final Logger log = LoggerFactory.getLogger(AdminEndpoint.class);
  private static final long MAX_BODY = 64 * 1024;
  private final Guard guard;

  public AdminEndpoint(Guard guard) {
    this.guard = guard;
  }

  public void handle(Exchange exchange, String method, String path) throws IOException {
    try {
      String secret = Guard.presented(exchange.request().getHeaders());
      if (secret == null || !guard.isAdmin(secret)) {
        exchange.response().getHeaders().put("WWW-Authenticate", "Bearer");
        throw new GatewayException(GatewayError.of(ErrorType.AUTHENTICATION,
            "The admin API needs the admin key (SLUICE_ADMIN_KEY) as 'Authorization: Bearer <key>'."));
      }
      if (path.equals("/admin/keys")) {
        switch (method) {
          case "POST" -> create(exchange);
          case "GET" -> list(exchange);
          default -> notAllowed(exchange, "GET, POST");
        }
      } else if (path.startsWith("/admin/keys/") && path.length() > "/admin/keys/".length()) {
        if (method.equals("DELETE")) revoke(exchange, path.substring("/admin/keys/".length()));
        else notAllowed(exchange, "DELETE");
      } else {
        throw new GatewayException(GatewayError.of(ErrorType.NOT_FOUND, "No endpoint at " + method + " " + path + "."));
      }
    } catch (GatewayException e) {
      respond(exchange, e.error());
    } catch (SQLException e) {
      log.error("{} admin: database failure", exchange.requestId(), e);
      respond(exchange, GatewayError.of(ErrorType.INTERNAL,
          "The key store failed; quote request id " + exchange.requestId() + " when reporting it."));
    }
  }

  private void create(Exchange exchange) throws IOException, GatewayException, SQLException {
    RequestBodies.requireJson(exchange.request());
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(RequestBodies.read(exchange.request(), MAX_BODY));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new GatewayException(GatewayError.invalid(null, "The body is not valid JSON."));
    }
    if (body == null || !body.isObject()) throw new GatewayException(GatewayError.invalid(null, "Expected a JSON object."));
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank() || !storable(name.asText(), MAX_NAME_CHARS)) {
      throw new GatewayException(GatewayError.invalid("name",
          "name: a non-empty string of at most " + MAX_NAME_CHARS + " characters, without control characters, is required"));
    }
    BigDecimal budget = null;
    if (body.hasNonNull("budget_usd")) {
      JsonNode b = body.get("budget_usd");
      try {
        budget = b.isNumber() ? b.decimalValue() : new BigDecimal(b.asText());
      } catch (NumberFormatException e) {
        budget = null;
      }
      if (budget == null || budget.signum() < 0 || budget.compareTo(MAX_BUDGET_USD) > 0) {
        throw new GatewayException(GatewayError.invalid("budget_usd",
            "budget_usd: expected a non-negative amount of at most " + MAX_BUDGET_USD.toPlainString() + " USD"));
      }
    }
    BudgetPeriod period = BudgetPeriod.MONTH;
    if (body.hasNonNull("budget_period")) {
      period = BudgetPeriod.of(body.get("budget_period").asText());
      if (period == null) {
        throw new GatewayException(GatewayError.invalid("budget_period", "budget_period: expected day, month or total"));
      }
    }
    Integer rpm = body.hasNonNull("rpm") ? (int) positive(body.get("rpm"), "rpm") : null;
    Long tpm = body.hasNonNull("tpm") ? positive(body.get("tpm"), "tpm") : null;
    var models = new ArrayList<String>();
    if (body.hasNonNull("models")) {
      if (!body.get("models").isArray()) throw new GatewayException(GatewayError.invalid("models", "models: expected a list of model names"));
      if (body.get("models").size() > MAX_MODELS) {
        throw new GatewayException(GatewayError.invalid("models", "models: at most " + MAX_MODELS + " names"));
      }
      for (JsonNode m : body.get("models")) {
        if (!m.isTextual() || m.asText().isBlank() || m.asText().contains(",") || !ModelName.fits(m.asText())) {
          throw new GatewayException(GatewayError.invalid("models",
              "models: expected model names of at most " + ModelName.MAX_CHARS + " characters, without commas or control characters"));
        }
        models.add(m.asText());
      }
    }
    KeyStore.Created created = guard.store().create(new KeyStore.NewKey(name.asText(), budget, period, rpm, tpm, models));
    guard.keysChanged();
    exchange.channel().respond(201, "application/json", Json.write(g -> {
      g.writeStartObject();
      fields(g, created.key());
      g.writeStringField("key", created.secret());
      g.writeEndObject();
    }));
  }

  /** True if {@code value} fits {@code maxChars} and holds no control character (a NUL breaks PostgreSQL text). */
  private static boolean storable(String value, int maxChars) {
    return value.length() <= maxChars && value.chars().noneMatch(Character::isISOControl);
  }

  private static long positive(JsonNode n, String param) throws GatewayException {
    if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > Integer.MAX_VALUE) {
      throw new GatewayException(GatewayError.invalid(param, param + ": expected a whole number of at least 1"));
    }
    return n.asLong();
  }

  private void list(Exchange exchange) throws IOException, SQLException {
    List<VirtualKey> keys = guard.store().list();
    exchange.channel().respond(200, "application/json", Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("object", "list");
      g.writeArrayFieldStart("data");
      for (VirtualKey k : keys) {
        g.writeStartObject();
        fields(g, k);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
  }

  private void revoke(Exchange exchange, String id) throws IOException, GatewayException, SQLException {
    if (!guard.store().revoke(id)) {
      throw new GatewayException(GatewayError.of(ErrorType.NOT_FOUND, "No active key has the id '" + id + "'."));
    }
    guard.keysChanged();
    exchange.channel().respond(200, "application/json", Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeBooleanField("revoked", true);
      g.writeEndObject();
    }));
  }

  public static void fields(JsonGenerator g, VirtualKey k) throws IOException {
    g.writeStringField("id", k.id());
    g.writeStringField("name", k.name());
    g.writeStringField("hint", k.hint());
    if (k.budgetPicos() == null) g.writeNullField("budgetUsd");
    else g.writeStringField("budgetUsd", Cost.format(k.budgetPicos()));
    g.writeStringField("budgetPeriod", k.period().wireName());
    if (k.rpm() == null) g.writeNullField("rpm");
    else g.writeNumberField("rpm", k.rpm());
    if (k.tpm() == null) g.writeNullField("tpm");
    else g.writeNumberField("tpm", k.tpm());
    g.writeArrayFieldStart("models");
    for (String m : k.models()) g.writeString(m);
    g.writeEndArray();
    g.writeStringField("createdAt", Instant.ofEpochMilli(k.createdMillis()).toString());
    if (k.revokedMillis() == null) g.writeNullField("revokedAt");
    else g.writeStringField("revokedAt", Instant.ofEpochMilli(k.revokedMillis()).toString());
  }

  private static void notAllowed(Exchange exchange, String allowed) throws GatewayException {
    exchange.response().getHeaders().put("Allow", allowed);
    throw new GatewayException(GatewayError.of(ErrorType.METHOD_NOT_ALLOWED, "Use " + allowed + " for this endpoint."));
  }

  private static void respond(Exchange exchange, GatewayError error) throws IOException {
    exchange.channel().respond(error.httpStatus(), "application/json", OpenAiErrors.body(error));
  }
}
