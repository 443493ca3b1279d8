package dev.sluice.server.http;

import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/** A request's query parameters, the last value of a repeated name winning. */
public final class QueryParameters {
  private QueryParameters() {}

  public static Map<String, String> of(Request request) {
    var query = new HashMap<String, String>();
    for (Fields.Field f : Request.extractQueryParameters(request)) query.put(f.getName(), f.getValue());
    return query;
  }
}
