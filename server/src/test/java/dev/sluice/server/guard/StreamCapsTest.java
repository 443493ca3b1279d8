package dev.sluice.server.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The counting under the caps: a place is given back once, and a refusal holds nothing. */
class StreamCapsTest {
  private final List<String> refused = new ArrayList<>();

  @Test
  void aPlaceLeftTwiceIsGivenBackOnce() throws Exception {
    var caps = new StreamCaps(2, 2, refused::add);
    StreamCaps.Place first = caps.enter("key_1", "10.0.0.1");
    StreamCaps.Place second = caps.enter("key_1", "10.0.0.1");
    first.leave();
    first.leave();
    assertThat(caps.inFlightPerKey()).isEqualTo(1);
    assertThat(caps.inFlightPerClient()).isEqualTo(1);
    second.leave();
    assertThat(caps.inFlightPerKey()).isZero();
    assertThat(caps.inFlightPerClient()).isZero();
  }

  @Test
  void aKeyOverItsCapIsRefusedAndHoldsNoPlaceOfItsClient() throws Exception {
    var caps = new StreamCaps(1, 5, refused::add);
    caps.enter("key_1", "10.0.0.1");
    assertThatThrownBy(() -> caps.enter("key_1", "10.0.0.2")).isInstanceOfSatisfying(GatewayException.class, e -> {
      assertThat(e.error().type()).isEqualTo(ErrorType.RATE_LIMITED);
      assertThat(e.error().code()).isEqualTo("too_many_requests_in_flight");
      assertThat(e.error().retryAfter()).isNull();
    });
    assertThat(caps.inFlightPerClient()).as("the refused request's client place was given back").isEqualTo(1);
    assertThat(refused).containsExactly(StreamCaps.PER_KEY);
    caps.enter("key_2", "10.0.0.2").leave();
  }

  @Test
  void aClientOverItsCapIsRefusedWhateverItsKey() throws Exception {
    var caps = new StreamCaps(5, 1, refused::add);
    caps.enter("key_1", "10.0.0.1");
    assertThatThrownBy(() -> caps.enter("key_2", "10.0.0.1")).isInstanceOf(GatewayException.class);
    assertThat(caps.inFlightPerKey()).isEqualTo(1);
    assertThat(refused).containsExactly(StreamCaps.PER_CLIENT);
    caps.enter(null, "10.0.0.2");
  }

  @Test
  void aCapOfZeroCountsNothing() throws Exception {
    var caps = new StreamCaps(0, 0, refused::add);
    for (int i = 0; i < 1_000; i++) caps.enter("key_1", "10.0.0.1");
    assertThat(caps.inFlightPerKey()).isZero();
    assertThat(caps.inFlightPerClient()).isZero();
    assertThat(refused).isEmpty();
  }
}
