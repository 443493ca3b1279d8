package dev.sluice.provider;

import java.util.ArrayList;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.client.transport.HttpExchange;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;

/**
 * Jetty's dynamic transport, whose destinations fail only the requests still queued when a
 * connection to the upstream cannot be opened.
 *
 * <p>Why: when one connection attempt fails (a connect timeout, a refusal), Jetty 12.1's connection
 * pool calls {@link HttpDestination#failed}, which copies the destination's queue and then aborts every
 * request of the copy with that failure. A request that another connection takes from the queue
 * between the copy and its turn is aborted too, although it is being served: its response, headers
 * and all, fails with a connect timeout of a connection it never used. Under thousands of opens at
 * once the loop is long and the race is common (the bench's held streams ended with {@code connection
 * failed mid-stream: Connect Timeout}). Here each request is first taken out of the queue, which only
 * one party can do, and aborted only if it was still there.
 */
final class UpstreamTransport extends HttpClientTransportDynamic {

  UpstreamTransport(ClientConnector connector, ClientConnectionFactory.Info... protocols) {
    super(connector, protocols);
  }

  @Override
  public Destination newDestination(Origin origin) {
    return new QueuedOnlyFailures(getHttpClient(), origin);
  }

  /** A destination whose failed connection attempts fail the requests still queued, not those served. */
  static final class QueuedOnlyFailures extends HttpDestination {
    QueuedOnlyFailures(HttpClient client, Origin origin) {
      super(client, origin);
    }

    /**
     * A connection could not be opened: the requests still waiting fail with its cause, as in Jetty
     * (the upstream is likely unreachable for them too), each only once removed from the queue here,
     * so that a request a connection has taken meanwhile is left to that connection.
     */
    @Override
    public void failed(Throwable cause) {
      for (HttpExchange exchange : new ArrayList<>(getHttpExchanges())) {
        if (remove(exchange)) exchange.getRequest().abort(cause);
      }
    }
  }
}
