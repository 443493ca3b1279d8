package dev.sluice.server.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.sluice.policy.Resilience.MidStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One alias under {@code models:}: either its target alone ({@code toy: sim/echo}) or a mapping with
 * the target and what the alias adds to it (fallbacks, deadlines, mid-stream and client-abort policy).
 */
record ModelEntry(String target, List<String> fallbacks, TimeoutsSection timeouts, String onMidstreamFailure,
    String onClientAbort, Duration drainMax) {
  /** How long {@code on_client_abort: drain} reads on by default. */
  static final Duration DEFAULT_DRAIN_MAX = Duration.ofSeconds(30);

  @JsonCreator
  ModelEntry {}

  /** The short form: an alias that only names its target. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static ModelEntry of(String target) {
    return new ModelEntry(target, null, null, null, null, null);
  }

  /**
   * Puts each alias's target in {@code aliases} and, for an alias that adds anything to it, its
   * policy in {@code policies}; per-alias deadlines start from {@code global}.
   */
  static void all(Map<String, ModelEntry> entries, Timeouts global, Map<String, String> aliases,
      Map<String, ModelPolicy> policies) {
    entries.forEach((alias, entry) -> {
      String path = "models." + alias;
      aliases.put(alias, Checks.nonEmpty(entry.target, path + ".target"));
      if (entry.addsPolicy()) policies.put(alias, entry.policy(global, path));
    });
  }

  private boolean addsPolicy() {
    return fallbacks != null || timeouts != null || onMidstreamFailure != null || onClientAbort != null || drainMax != null;
  }

  private ModelPolicy policy(Timeouts global, String path) {
    Duration drain = null;
    if (onClientAbort != null) {
      drain = switch (onClientAbort) {
        case "cancel" -> null;
        case "drain" -> drainMax == null ? DEFAULT_DRAIN_MAX : Checks.positive(drainMax, path + ".drain_max");
        default -> throw new ConfigException(path + ".on_client_abort: expected 'cancel' or 'drain'");
      };
    }
    if (drainMax != null && drain == null) throw new ConfigException(path + ".drain_max: only with on_client_abort: drain");
    MidStream midStream = onMidstreamFailure == null ? MidStream.FAIL : switch (onMidstreamFailure) {
      case "fail" -> MidStream.FAIL;
      case "continue" -> MidStream.CONTINUE;
      default -> throw new ConfigException(path + ".on_midstream_failure: expected 'fail' or 'continue'");
    };
    var chain = new ArrayList<String>();
    if (fallbacks != null) {
      for (int i = 0; i < fallbacks.size(); i++) chain.add(Checks.nonEmpty(fallbacks.get(i), path + ".fallbacks[" + i + "]"));
    }
    return new ModelPolicy(chain, timeouts == null ? global : timeouts.over(global, path + ".timeouts"), midStream, drain);
  }
}
