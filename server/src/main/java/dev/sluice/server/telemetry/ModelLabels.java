package dev.sluice.server.telemetry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Predicate;

/**
 * The metric label of each model name, decided once per name: deciding asks the price table, whose
 * dated-snapshot rule is a regular expression, and every finished request needs a label. Names come
 * from callers, so the memo is bounded: past {@link #MAX_NAMES} the least used are decided again.
 */
final class ModelLabels {
  /** Far more than the models an operator routes or prices, far less than a caller could invent. */
  static final int MAX_NAMES = 1_000;

  private final Predicate<String> known;
  private final Cache<String, String> labels = Caffeine.newBuilder().maximumSize(MAX_NAMES).build();

  /** @param known whether a model may be its own label (routable by its configured name, or priced) */
  ModelLabels(Predicate<String> known) {
    this.known = known;
  }

  /** The label of {@code model}: itself when known, {@code none} when there is none, else {@code other}. */
  String of(String model) {
    if (model == null || model.equals(Telemetry.NONE)) return Telemetry.NONE;
    return labels.get(model, m -> known.test(m) ? m : Telemetry.OTHER_MODEL);
  }

  /** Names remembered now, after pending evictions ran. */
  long remembered() {
    labels.cleanUp();
    return labels.estimatedSize();
  }
}
