package dev.sluice.server.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One relay told to several listeners: telemetry, the ledger and the lifecycle each hear it all. */
class RelayListenerTest {

  /** Writes down each callback with its own name. */
  private record Named(String name, List<String> heard) implements RelayListener {
    @Override
    public void streamStarted(StreamRelay relay) {
      heard.add(name + " started");
    }

    @Override
    public void upstreamStarted(Started started) {
      heard.add(name + " upstream " + started.qualifiedModel());
    }

    @Override
    public void chunkRead(long nanoTime) {
      heard.add(name + " chunk");
    }

    @Override
    public void streamEnding(Outcome outcome) {
      heard.add(name + " ending " + outcome.status().word());
    }

    @Override
    public void streamClosed(StreamRelay relay) {
      heard.add(name + " closed");
    }
  }

  @Test
  void fansEachEventOutToEveryListenerInTheirOrder() {
    var heard = new ArrayList<String>();
    RelayListener both = RelayListener.of(new Named("a", heard), RelayListener.NONE, new Named("b", heard));
    both.streamStarted(null);
    both.upstreamStarted(new Started("id", "m", "p", 1));
    both.chunkRead(1);
    both.streamEnding(Outcome.rejected(GatewayError.invalid("model", "no such model")));
    both.streamClosed(null);
    assertThat(heard).containsExactly("a started", "b started", "a upstream p/m", "b upstream p/m", "a chunk", "b chunk",
        "a ending rejected", "b ending rejected", "a closed", "b closed");
  }

  @Test
  void tellsEveryListenerTheOutcomeEvenAfterOneOfThemFailed() {
    var heard = new ArrayList<String>();
    var refused = new IllegalStateException("the ledger refused the row");
    RelayListener failing = new RelayListener() {
      @Override
      public void streamEnding(Outcome outcome) {
        throw refused;
      }
    };
    RelayListener all = RelayListener.of(new Named("a", heard), failing, new Named("b", heard));
    Outcome outcome = Outcome.rejected(GatewayError.invalid("model", "no such model"));
    assertThatThrownBy(() -> all.streamEnding(outcome)).isSameAs(refused);
    assertThat(heard).containsExactly("a ending rejected", "b ending rejected");
  }
}
