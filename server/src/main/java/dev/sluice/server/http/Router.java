package dev.sluice.server.http;

import dev.sluice.server.relay.Outcome;
import java.io.IOException;

/** Chooses the endpoint that answers an exchange, and answers it. */
public interface Router {
  /**
   * Answers the exchange on the endpoint its method and path name.
   *
   * @return how a model request ended, or null for any other request
   */
  Outcome route(Exchange exchange) throws IOException;

  /** Whether a request to this path is a model request, which always keeps a ledger row. */
  boolean isModelEndpoint(String path);
}
