package dev.sluice.server.relay;

import dev.sluice.stream.Started;
import java.util.List;

/** Tells several listeners of one relay, in order (see {@link RelayListener#of}). */
final class FanOut implements RelayListener {
  private final List<RelayListener> listeners;

  FanOut(RelayListener... listeners) {
    this.listeners = List.of(listeners);
  }

  @Override
  public void streamStarted(StreamRelay relay) {
    for (RelayListener l : listeners) l.streamStarted(relay);
  }

  @Override
  public void upstreamStarted(Started started) {
    for (RelayListener l : listeners) l.upstreamStarted(started);
  }

  @Override
  public void chunkRead(long nanoTime) {
    for (RelayListener l : listeners) l.chunkRead(nanoTime);
  }

  /**
   * Every listener hears the one outcome, even after one of them failed (the first failure is
   * thrown once all were told): telemetry and the ledger never disagree on how a stream ended.
   */
  @Override
  public void streamEnding(Outcome outcome) {
    RuntimeException first = null;
    for (RelayListener l : listeners) {
      try {
        l.streamEnding(outcome);
      } catch (RuntimeException e) {
        if (first == null) first = e;
        else first.addSuppressed(e);
      }
    }
    if (first != null) throw first;
  }

  @Override
  public void streamClosed(StreamRelay relay) {
    for (RelayListener l : listeners) l.streamClosed(relay);
  }
}
