package dev.sluice.policy;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Writes down every callback as one line ({@code "started p/m#1"}), in the order they came. */
final class RecordingListener implements AttemptListener {
  final List<String> heard = new CopyOnWriteArrayList<>();

  private static String name(Attempt a) {
    return a.route().qualifiedModel() + "#" + a.number() + (a.candidate() > 0 ? " (fallback " + a.candidate() + ")" : "");
  }

  private static String why(GatewayError e) {
    return e.code() != null ? e.code() : e.upstreamStatus() > 0 ? Integer.toString(e.upstreamStatus()) : e.type().name();
  }

  @Override
  public void attemptStarted(Attempt attempt) {
    heard.add("started " + name(attempt));
  }

  @Override
  public void attemptResponded(Attempt attempt) {
    heard.add("responded " + name(attempt));
  }

  @Override
  public void responseModel(Attempt attempt, String model) {
    heard.add("model " + model);
  }

  @Override
  public void usageReported(Attempt attempt, Usage usage) {
    heard.add("usage " + usage.promptTokens() + "+" + usage.completionTokens());
  }

  @Override
  public void attemptAnswered(Attempt attempt) {
    heard.add("answered " + name(attempt));
  }

  @Override
  public void attemptFinished(Attempt attempt, FinishReason reason) {
    heard.add("finished " + name(attempt));
  }

  @Override
  public void attemptFailed(Attempt attempt, GatewayError error) {
    heard.add("failed " + name(attempt) + " " + why(error));
  }

  @Override
  public void attemptClosed(Attempt attempt) {
    heard.add("closed " + name(attempt));
  }

  @Override
  public void retrying(Attempt failed, GatewayError error, Duration wait) {
    heard.add("retrying " + name(failed));
  }

  @Override
  public void cancelled(GatewayError reason, long nanos) {
    heard.add("cancelled " + why(reason));
  }
}
