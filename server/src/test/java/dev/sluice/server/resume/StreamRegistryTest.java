package dev.sluice.server.resume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.relay.Outcome;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry of this instance's browser streams: running ones can be aborted (here, or on the
 * instance generating them), ended ones stay resumable for the retention window, and closing it
 * ends every stream still running.
 */
class StreamRegistryTest {
  private static final Duration RETENTION = Duration.ofMillis(50);
  private static final Outcome ENDED = Outcome.rejected(GatewayError.of(ErrorType.UPSTREAM_ERROR, "the upstream failed"));

  private final List<StreamRegistry> registries = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeRegistries() {
    registries.forEach(StreamRegistry::close);
  }

  private StreamRegistry registry(SharedStreams shared) {
    var registry = new StreamRegistry(new ResumeSettings(Duration.ofSeconds(30), RETENTION, 64 * 1024), shared, () -> {});
    registries.add(registry);
    return registry;
  }

  /** The owner of the streams these tests add, and another caller. */
  private static final StreamAccess OWNER = StreamAccess.ofKey("key_owner");
  private static final StreamAccess OTHER = StreamAccess.ofKey("key_other");

  private static ResumableStream add(StreamRegistry registry, String id, CancelRecordingSource source) {
    var stream = new ResumableStream(id, new ReplayLog(registry.settings().logBytes()), source,
        registry.settings().grace(), registry.timers(), () -> registry.followedElsewhere(id));
    registry.add(stream, OWNER.owner());
    return stream;
  }

  @Test
  void keepsAnEndedStreamForTheRetentionWindowThenForgetsIt() throws Exception {
    StreamRegistry registry = registry(null);
    ResumableStream stream = add(registry, "st_0000000000000001", new CancelRecordingSource());
    HeldTimers.whileHeld(registry.timers(), () -> {
      stream.finished(ENDED);
      assertThat(registry.get(stream.id(), OWNER)).as("ended, still resumable").isSameAs(stream);
    });
    HeldTimers.awaitDue(registry.timers(), RETENTION.toNanos());
    assertThat(registry.get(stream.id(), OWNER)).as("forgotten after the retention window").isNull();
  }

  @Test
  void abortsARunningStreamAsCancelledByTheClient() throws Exception {
    StreamRegistry registry = registry(null);
    var source = new CancelRecordingSource();
    ResumableStream stream = add(registry, "st_0000000000000001", source);
    assertThat(registry.abort("st_0000000000000002", OWNER)).as("an unknown stream, on a single instance").isFalse();
    assertThat(registry.abort(stream.id(), OWNER)).isTrue();
    GatewayError reason = source.cancelled.getNow(null);
    assertThat(reason.type()).isEqualTo(ErrorType.CANCELLED);
    assertThat(reason.clientGone()).as("aborted, not disconnected").isFalse();
    stream.finished(ENDED);
    assertThat(registry.abort(stream.id(), OWNER)).as("an ended stream").isFalse();
  }

  @Test
  void anotherCallerFindsNothingToReplayOrAbortButTheAdminDoes() throws Exception {
    StreamRegistry registry = registry(null);
    var source = new CancelRecordingSource();
    ResumableStream stream = add(registry, "st_0000000000000001", source);
    assertThat(registry.get(stream.id(), OTHER)).isNull();
    assertThat(registry.abort(stream.id(), OTHER)).isFalse();
    assertThat(source.cancelled).isNotDone();
    assertThat(registry.get(stream.id(), StreamAccess.ADMIN)).isSameAs(stream);
    assertThat(registry.abort(stream.id(), StreamAccess.ADMIN)).isTrue();
  }

  @Test
  void asksOtherInstancesToAbortOnlyAStreamItDoesNotKnow() throws Exception {
    var shared = new FakeSharedStreams();
    StreamRegistry registry = registry(shared);
    ResumableStream ended = add(registry, "st_0000000000000001", new CancelRecordingSource());
    ended.finished(ENDED);
    assertThat(registry.abort(ended.id(), OWNER)).as("known here and ended: nothing runs anywhere").isFalse();
    assertThat(registry.abort("st_0000000000000002", OWNER)).isTrue();
    assertThat(shared.cancelsAsked).containsExactly("st_0000000000000002");
  }

  @Test
  void abortsAStreamGeneratedHereWhenAnotherInstanceIsAsked() {
    var shared = new FakeSharedStreams();
    StreamRegistry registry = registry(shared);
    var source = new CancelRecordingSource();
    add(registry, "st_0000000000000001", source);
    shared.onCancel.accept("st_0000000000000002");
    assertThat(source.cancelled).isNotDone();
    shared.onCancel.accept("st_0000000000000001");
    assertThat(source.cancelled.getNow(null).type()).isEqualTo(ErrorType.CANCELLED);
  }

  @Test
  void followsOtherInstancesOnlyWhenShared() throws Exception {
    StreamRegistry single = registry(null);
    assertThat(single.newLog("st_0000000000000001", OWNER.owner())).isNotNull();
    assertThat(single.followedElsewhere("st_0000000000000001")).isFalse();
    assertThat(single.followElsewhere("st_0000000000000001", -1, OWNER)).isNull();
    var shared = new FakeSharedStreams();
    shared.followed = true;
    StreamRegistry many = registry(shared);
    many.newLog("st_0000000000000001", OWNER.owner());
    assertThat(shared.mirroredFor).as("the log is mirrored with its owner").containsExactly("st_0000000000000001 " + OWNER.owner());
    assertThat(many.followedElsewhere("st_0000000000000001")).isTrue();
  }

  @Test
  void endsEveryRunningStreamWhenClosed() {
    StreamRegistry registry = registry(null);
    var running = new CancelRecordingSource();
    var ended = new CancelRecordingSource();
    add(registry, "st_0000000000000001", running);
    add(registry, "st_0000000000000002", ended).finished(ENDED);
    registry.close();
    assertThat(running.cancelled.getNow(null).type()).as("the gateway stops: retry").isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(ended.cancelled).isNotDone();
    assertThat(registry.timers().isShutdown()).isTrue();
  }

  @Test
  void forgetsAStreamEndingAfterItClosedAtOnce() {
    StreamRegistry registry = registry(null);
    ResumableStream stream = add(registry, "st_0000000000000001", new CancelRecordingSource());
    registry.close();
    stream.finished(ENDED);
    assertThat(registry.get(stream.id(), OWNER)).as("no timer is left to forget it later").isNull();
  }

  /** Another instance's side, as far as the registry reaches it. */
  private static final class FakeSharedStreams implements SharedStreams {
    static final Mirror MIRROR = new Mirror() {
      @Override
      public void event(long seq, byte[] sse) {}

      @Override
      public void end(String trailer, GatewayError earlyError) {}
    };

    final List<String> cancelsAsked = new CopyOnWriteArrayList<>();
    final List<String> mirroredFor = new CopyOnWriteArrayList<>();
    volatile boolean followed;
    Consumer<String> onCancel;

    @Override
    public Mirror mirror(String streamId, String owner) {
      mirroredFor.add(streamId + " " + owner);
      return MIRROR;
    }

    @Override
    public boolean followedElsewhere(String streamId) {
      return followed;
    }

    @Override
    public Follower follow(String streamId, long afterSeq, StreamAccess access) {
      return null;
    }

    @Override
    public boolean cancel(String streamId, StreamAccess access) {
      cancelsAsked.add(streamId);
      return true;
    }

    @Override
    public void onCancel(Consumer<String> abort) {
      onCancel = abort;
    }

    @Override
    public void close() {}
  }
}
