/**
 * The canonical model: what every provider produces and every dialect consumes.
 *
 * <p>A stream is a sequence of {@link dev.sluice.stream.StreamEvent}s: one {@link dev.sluice.stream.Started},
 * any number of deltas and usage reports, and exactly one terminal event, {@link dev.sluice.stream.Finished}
 * or {@link dev.sluice.stream.Failed}. Nothing else crosses between a provider and a dialect.
 */
package dev.sluice.stream;
