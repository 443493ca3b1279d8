package dev.sluice.provider;

import java.util.ArrayList;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.client.transport.HttpExchange;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;

/**
 * Jetty's dynamic transport, whose destinations fail only the requests still queued when a
 * connection to the upstream cannot be opened, and close a new connection that no request needs.
 *
 * <p>Why: when one connection attempt fails (a connect timeout, a refusal), Jetty 12.1's connection
 * pool calls {@link HttpDestination#failed}, which copies the destination's queue and then aborts every
 * request of the copy with that failure. A request that another connection takes from the queue
 * between the copy and its turn is aborted too, although it is being served: its response, headers
 * and all, fails with a connect timeout of a connection it never used. Under thousands of opens at
 * once the loop is long and the race is common (the bench's held streams ended with {@code connection
 * failed mid-stream: Connect Timeout}). Here each request is first taken out of the queue, which only
 * one party can do, and aborted only if it was still there.
 *
 * <p>And when a request is cancelled while its connection is being opened, Jetty goes on opening it
 * and then pools it: here it is closed instead (see {@link QueuedOnlyFailures#newConnection}).
 */
final class UpstreamTransport extends HttpClientTransportDynamic {

  UpstreamTransport(ClientConnector connector, ClientConnectionFactory.Info... protocols) {
    super(connector, protocols);
  }

  @Override
  public Destination newDestination(Origin origin) {
    return new QueuedOnlyFailures(getHttpClient(), origin);
  }

  /**
   * A destination whose failed connection attempts fail the requests still queued, not those served,
   * and which closes a new connection that finds no request waiting.
   */
  static final class QueuedOnlyFailures extends HttpDestination {
    QueuedOnlyFailures(HttpClient client, Origin origin) {
      super(client, origin);
    }

    /**
     * Opens a connection for the pool; one that opens when no request waits any more is closed at once
     * and reported to the pool as {@link Unneeded}. Such a connection was opened for a request that
     * was cancelled while it was being opened (a client that left, a deadline), or that another
     * connection served first: Jetty would pool it, and the upstream would hold an open connection
     * that nothing uses until the pool's idle timeout ({@link UpstreamHttp#POOLED_IDLE_TIMEOUT}).
     * (Only the pool opens connections here, for its queue: the gateway never calls this itself, nor
     * asks the pool to open connections ahead of requests.)
     */
    @Override
    public void newConnection(Promise<Connection> pool) {
      super.newConnection(new Promise<>() {
        @Override
        public void succeeded(Connection opened) {
          if (getQueuedRequestCount() > 0) {
            pool.succeeded(opened);
            return;
          }
          pool.failed(new Unneeded());
          opened.close();
          // A request queued since is not left waiting: sending opens a connection for it.
          send();
        }

        @Override
        public void failed(Throwable cause) {
          pool.failed(cause);
        }
      });
    }

    /**
     * A connection could not be opened: the requests still waiting fail with its cause, as in Jetty
     * (the upstream is likely unreachable for them too), each only once removed from the queue here,
     * so that a request a connection has taken meanwhile is left to that connection.
     */
    @Override
    public void failed(Throwable cause) {
      if (cause instanceof Unneeded) return; // closed on purpose: nothing failed
      for (HttpExchange exchange : new ArrayList<>(getHttpExchanges())) {
        if (remove(exchange)) exchange.getRequest().abort(cause);
      }
    }
  }

  /** Why a connection that no request needed any more was not handed to the pool. */
  static final class Unneeded extends Exception {
    Unneeded() {
      super("no request waits for the connection any more", null, false, false);
    }
  }
}
