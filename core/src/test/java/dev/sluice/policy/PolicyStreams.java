package dev.sluice.policy;

import dev.sluice.provider.EventStream;
import dev.sluice.route.Route;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.StreamEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the policy stream tests share: a request, fast policies, reading a stream to its end. */
final class PolicyStreams {
  static final ChatRequest REQUEST = ChatRequest.of("alias", List.of(Message.text(Role.USER, "hi")));
  static final Duration LONG = Duration.ofSeconds(30);
  /** Three attempts, 1 ms backoff. */
  static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), LONG, LONG);
  static final BreakerSettings NO_BREAKER = new BreakerSettings(false, 1, LONG, 1);

  private PolicyStreams() {}

  /** Every event of {@code s} until its end; closes it. */
  static List<StreamEvent> drain(EventStream s) {
    var out = new ArrayList<StreamEvent>();
    try (s) {
      StreamEvent e;
      while ((e = s.next()) != null) out.add(e);
    }
    return out;
  }

  /** One route to model {@code m} of each provider, in order: the target, then its fallbacks. */
  static List<Route> routes(ScriptedProvider... providers) {
    var out = new ArrayList<Route>();
    for (ScriptedProvider p : providers) out.add(new Route(p, "m"));
    return out;
  }
}
