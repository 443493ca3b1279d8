package dev.sluice.server.endpoint;

import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.RelayListener;

/** Who listens to the relay of one request: its telemetry, its ledger row, and the lifecycle's open streams. */
final class RelayListeners {
  private RelayListeners() {}

  /**
   * @param requestedModel the model as the client named it, for the metrics and for a row where none answered
   * @param streamed whether the client asked for a stream (a metrics label)
   */
  static RelayListener of(Gateway gateway, Exchange exchange, String requestedModel, boolean streamed) {
    RelayListener ledger = new RelayListener() {
      @Override
      public void streamEnding(Outcome outcome) {
        gateway.accountant().record(exchange.account(), outcome, requestedModel);
      }
    };
    return RelayListener.of(exchange.telemetry().stream(requestedModel, streamed), gateway.lifecycle().openStreams(),
        ledger);
  }
}
