package dev.sluice.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;

/**
 * What every client dialect's request decoder promises for any input, checked by the dialects' fuzz
 * tests: it returns a request or throws the documented {@link GatewayException} with a 4xx status;
 * never another exception (which the server would answer with a 500), never a 5xx.
 */
public final class RequestDecoderContract {

  private RequestDecoderContract() {}

  /** One decoding of one input. */
  @FunctionalInterface
  public interface Decoding {
    ChatRequest decode() throws GatewayException;
  }

  /** Any other throwable escapes, and the fuzzer reports it with the input that caused it. */
  public static void decodesOrRejectsWithA4xx(Decoding decoding) {
    try {
      assertThat(decoding.decode()).isNotNull();
    } catch (GatewayException e) {
      assertThat(e.error().httpStatus()).as(e.getMessage()).isBetween(400, 499);
    }
  }
}
