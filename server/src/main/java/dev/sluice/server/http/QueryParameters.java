package dev.sluice.server.http;

import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/** A request's query parameters, the last value of a repeated name winning. */
public final class QueryParameters {
  private QueryParameters() {}

  /**
   * The parameters, decoded.
   *
   * @throws GatewayException (400) if the query string is not valid URL encoding, such as {@code %zz}
   */
  public static Map<String, String> of(Request request) throws GatewayException {
    Fields fields;
    try {
      fields = Request.extractQueryParameters(request);
    } catch (IllegalArgumentException | BadMessageException e) {
      throw new GatewayException(GatewayError.invalid(null,
          "The query string is not valid URL encoding (a '%' must be followed by two hex digits, and the bytes must be UTF-8)."));
    }
    var query = new HashMap<String, String>();
    for (Fields.Field f : fields) query.put(f.getName(), f.getValue());
    return query;
  }
}
