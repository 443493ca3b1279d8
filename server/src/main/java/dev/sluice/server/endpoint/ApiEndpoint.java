package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.server.upstream.Upstreams;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.StreamEvent;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one path of every API dialect's endpoint: read and decode the JSON body, watch the client,
 * open the upstream call through the resilience policy, and relay it as a stream or as one whole
 * answer. A dialect supplies only its codecs ({@link Dialect}), so no endpoint can skip a step.
 */
public final class ApiEndpoint {

  /** What one API dialect adds to the common path. */
  public interface Dialect {
    ChatRequest decode(byte[] body) throws GatewayException;

    /** Decodes a request to this gateway; a dialect whose path depends on the route overrides it. */
    default ChatRequest decode(byte[] body, Gateway gateway) throws GatewayException {
      return decode(body);
    }

    StreamEncoder streamEncoder(ChatRequest request);

    /** Collects a whole answer and writes it. */
    WholeAnswer wholeAnswer();

    /** An error before the first byte, as this dialect answers it: its status and error body. */
    void respondError(GatewayError error, ClientChannel channel) throws IOException;

    /** Sets up the channel before streaming (e.g. the dialect's own heartbeat). */
    default void prepare(ClientChannel channel) {}
  }

  /** A dialect's non-streaming answer, built from the events of a successful stream. */
  public interface WholeAnswer extends Consumer<StreamEvent> {
    void respond(ClientChannel channel) throws IOException;

    /** A whole answer that {@code add} collects and {@code build} writes as one JSON body with status 200. */
    static WholeAnswer json(Consumer<StreamEvent> add, Supplier<String> build) {
      return new WholeAnswer() {
        @Override
        public void accept(StreamEvent event) {
          add.accept(event);
        }

        @Override
        public void respond(ClientChannel channel) throws IOException {
          channel.respond(200, "application/json", build.get());
        }
      };
    }
  }

  private final Gateway gateway;
  private final Dialect dialect;

  public ApiEndpoint(Gateway gateway, Dialect dialect) {
    this.gateway = gateway;
    this.dialect = dialect;
  }

  public Outcome handle(Exchange exchange) throws IOException {
    ChatRequest request = null;
    Upstreams.Call call;
    try {
      RequestBodies.requireJson(exchange.request());
      request = dialect.decode(RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes()), gateway);
      exchange.account().reservation(gateway.guard().admit(exchange.account().caller(), exchange.clientAddress(), request));
      exchange.watch().watchReads();
      call = gateway.upstreams().open(request, exchange.telemetry().attempts());
    } catch (GatewayException e) {
      return reject(gateway, exchange, request, e.error(), dialect::respondError);
    }
    StreamRelay relay = relay(gateway, exchange, request, call, new StreamContext(exchange.requestId(),
        exchange.acceptedAtNanos()));
    ClientChannel channel = exchange.channel();
    if (request.stream()) {
      dialect.prepare(channel);
      return relay.stream(dialect.streamEncoder(request), channel, dialect::respondError);
    }
    WholeAnswer answer = dialect.wholeAnswer();
    return relay.collect(answer, () -> answer.respond(channel), channel, dialect::respondError);
  }

  /**
   * The relay of one call, with its usage meter, watchdog deadlines and listeners, its upstream
   * cancelled the moment the client leaves.
   */
  private static StreamRelay relay(Gateway gateway, Exchange exchange, ChatRequest request, Upstreams.Call call,
      StreamContext context) {
    var relay = new StreamRelay(gateway.relayTimer(), call.source(), new UsageMeter(request), context, call.watchdog(),
        gateway.config().heartbeat(), RelayListeners.of(gateway, exchange, request.model(), request.stream()));
    var policy = gateway.config().modelPolicies().get(request.model());
    if (policy != null && policy.drain() != null) {
      // on_client_abort: drain — read on to learn the real usage; the relay cancels at its cap.
      relay.drainOnAbort(policy.drain());
      exchange.watch().onGone(relay::clientGone);
    } else {
      exchange.watch().onGone(() -> relay.cancel(GatewayError.clientDisconnected("connection closed")));
    }
    return relay;
  }

  /** Refuses a request before any upstream call: its {@code rejected} row first, then the error. */
  public static Outcome reject(Gateway gateway, Exchange exchange, ChatRequest request, GatewayError error,
      StreamRelay.ErrorResponder respond) throws IOException {
    return rejectFor(gateway, exchange, request == null ? null : request.model(), error, respond);
  }

  /**
   * As {@link #reject(Gateway, Exchange, ChatRequest, GatewayError, StreamRelay.ErrorResponder)}, for a
   * request to {@code model} (null when unread) that is not a chat.
   */
  static Outcome rejectFor(Gateway gateway, Exchange exchange, String model, GatewayError error,
      StreamRelay.ErrorResponder respond) throws IOException {
    Outcome outcome = Outcome.rejected(error);
    gateway.accountant().record(exchange.account(), outcome, model);
    respond.respond(error, exchange.channel());
    return outcome;
  }
}
