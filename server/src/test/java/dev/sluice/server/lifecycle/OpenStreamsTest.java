package dev.sluice.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dialect.StreamContext;
import dev.sluice.provider.EventStream;
import dev.sluice.server.config.Timeouts;
import dev.sluice.server.relay.RelayListener;
import dev.sluice.server.relay.RelayTimer;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.StreamEvent;
import dev.sluice.usage.UsageMeter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The lifecycle's view of the streams being relayed: what a graceful stop counts and cancels. */
class OpenStreamsTest {

  /** An upstream that only writes down its cancels. */
  private static final class Upstream implements EventStream {
    final List<GatewayError> cancels = new CopyOnWriteArrayList<>();

    @Override
    public StreamEvent next() {
      throw new UnsupportedOperationException("not read here");
    }

    @Override
    public void cancel(GatewayError reason) {
      cancels.add(reason);
    }

    @Override
    public void close() {}
  }

  private static StreamRelay relayOf(Upstream upstream) {
    var request = ChatRequest.of("m", List.of(Message.text(Role.USER, "hi")));
    return new StreamRelay(new RelayTimer(), upstream, new UsageMeter(request), new StreamContext("st_1", System.nanoTime()),
        Timeouts.DEFAULT, Duration.ZERO, RelayListener.NONE);
  }

  @Test
  void countsAStreamFromItsStartToItsCloseAndCancelsOnlyThoseStillOpen() {
    var open = new OpenStreams();
    var ended = new Upstream();
    var running = new Upstream();
    StreamRelay first = relayOf(ended);
    StreamRelay second = relayOf(running);
    open.streamStarted(first);
    open.streamStarted(second);
    assertThat(open.count()).isEqualTo(2);
    open.streamClosed(first);
    assertThat(open.count()).isEqualTo(1);

    open.cancelAll(Lifecycle.SHUTTING_DOWN);
    assertThat(ended.cancels).isEmpty();
    assertThat(running.cancels).containsExactly(Lifecycle.SHUTTING_DOWN);
    assertThat(open.count()).as("a cancelled stream stays open until its relay lets go of it").isEqualTo(1);
  }
}
