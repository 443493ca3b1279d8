package dev.sluice.server.endpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.dialect.openai.OpenAiErrors;
import dev.sluice.json.Json;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.QueryParameters;
import dev.sluice.server.ledger.UsageQuery;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.usage.Cost;
import java.io.IOException;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/usage?from=&to=&group_by=}: the ledger's aggregates in the shape docs/contract.md
 * gives, costs as exact decimal strings. {@code from} and {@code to} are UTC dates, {@code to}
 * inclusive; without them the range is the current month to date. {@code group_by} defaults to
 * {@code model}.
 */
public final class UsageEndpoint {
  private static final Logger log = LoggerFactory.getLogger(UsageEndpoint.class);
  private final UsageQuery query;

  public UsageEndpoint(UsageQuery query) {
    this.query = query;
  }

  /**
   * @param keyId only this key's rows (a virtual key sees its own), or null for all
   */
  public void handle(Exchange exchange, String keyId) throws IOException {
    Map<String, String> params;
    try {
      params = QueryParameters.of(exchange.request());
    } catch (GatewayException e) {
      respond(exchange, e.error());
      return;
    }
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate to;
    LocalDate from;
    UsageQuery.GroupBy groupBy;
    try {
      to = date(params, "to", today);
      from = date(params, "from", to.withDayOfMonth(1));
      if (from.isAfter(to)) throw new IllegalArgumentException("from: must not be after 'to'");
      groupBy = UsageQuery.GroupBy.of(params.getOrDefault("group_by", "model"));
      if (groupBy == null) throw new IllegalArgumentException("group_by: expected one of model, key, day, status");
    } catch (IllegalArgumentException e) {
      String param = e.getMessage().substring(0, e.getMessage().indexOf(':'));
      respond(exchange, GatewayError.invalid(param, e.getMessage()));
      return;
    }
    UsageQuery.Result result;
    try {
      result = query.run(from, to, groupBy, keyId);
    } catch (SQLException e) {
      log.error("{} usage query failed", exchange.requestId(), e);
      respond(exchange, GatewayError.of(ErrorType.INTERNAL,
          "The usage ledger could not be read; quote request id " + exchange.requestId() + " when reporting it."));
      return;
    }
    exchange.channel().respond(200, "application/json", Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("from", from.toString());
      g.writeStringField("to", to.toString());
      g.writeStringField("groupBy", groupBy.wireName());
      g.writeArrayFieldStart("groups");
      for (var e : result.groups().entrySet()) {
        g.writeStartObject();
        if (e.getKey() == null) g.writeNullField("group");
        else g.writeStringField("group", e.getKey());
        sums(g, e.getValue());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("totals");
      sums(g, result.totals());
      g.writeEndObject();
      g.writeEndObject();
    }));
  }

  private static LocalDate date(Map<String, String> params, String name, LocalDate otherwise) {
    String value = params.get(name);
    if (value == null) return otherwise;
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + ": expected a date like 2026-11-30, got '" + value + "'");
    }
  }

  private static void sums(JsonGenerator g, UsageQuery.Sums s) throws IOException {
    g.writeNumberField("requests", s.requests);
    g.writeNumberField("promptTokens", s.promptTokens);
    g.writeNumberField("completionTokens", s.completionTokens);
    g.writeNumberField("cachedTokens", s.cachedTokens);
    g.writeNumberField("reasoningTokens", s.reasoningTokens);
    g.writeStringField("costUsd", Cost.format(s.costPicos));
    g.writeNumberField("estimatedRequests", s.estimatedRequests);
    g.writeObjectFieldStart("byStatus");
    for (var e : s.byStatus.entrySet()) g.writeNumberField(e.getKey(), e.getValue());
    g.writeEndObject();
  }

  private static void respond(Exchange exchange, GatewayError error) throws IOException {
    exchange.channel().respond(error.httpStatus(), "application/json", OpenAiErrors.body(error));
  }
}
