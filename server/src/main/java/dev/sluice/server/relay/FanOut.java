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

  @Override
  public void streamEnding(Outcome outcome) {
    for (RelayListener l : listeners) l.streamEnding(outcome);
  }

  @Override
  public void streamClosed(StreamRelay relay) {
    for (RelayListener l : listeners) l.streamClosed(relay);
  }
}
