package dev.sluice.stream;

/**
 * One event of a canonical stream. The set is closed: a dialect's encoder switches over it
 * exhaustively, so a new kind of event is a compile error in every encoder until handled.
 */
public sealed interface StreamEvent
    permits Started, TextDelta, ToolCallDelta, UsageReport, Finished, Failed, Relayed {

  /** True for {@link Finished} and {@link Failed}: nothing follows a terminal event. */
  default boolean isTerminal() {
    return this instanceof Finished || this instanceof Failed;
  }
}
