package dev.sluice.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScratchArraysTest {
  @Test
  void anArrayGivenBackIsLentAgainRatherThanANewOne() {
    byte[] first = ScratchArrays.borrow(10);
    assertThat(first).hasSize(ScratchArrays.SIZE);
    ScratchArrays.giveBack(first);
    // Other tests may borrow meanwhile, so the one given back is looked for among a few borrowed.
    byte[][] out = new byte[ScratchArrays.SLOTS][];
    boolean seen = false;
    for (int i = 0; i < out.length; i++) {
      out[i] = ScratchArrays.borrow(1);
      seen |= out[i] == first;
    }
    for (byte[] array : out) ScratchArrays.giveBack(array);
    assertThat(seen).isTrue();
  }

  @Test
  void aLengthPastThePooledSizeGetsAnArrayOfItsOwnThatIsNeverPooled() {
    byte[] large = ScratchArrays.borrow(ScratchArrays.SIZE + 1);
    assertThat(large).hasSize(ScratchArrays.SIZE + 1);
    ScratchArrays.giveBack(large);
    for (int i = 0; i < ScratchArrays.SLOTS; i++) assertThat(ScratchArrays.borrow(1)).hasSize(ScratchArrays.SIZE);
  }

  @Test
  void thePoolKeepsNoMoreIdleArraysThanItHasSlots() {
    for (int i = 0; i < 3 * ScratchArrays.SLOTS; i++) ScratchArrays.giveBack(new byte[ScratchArrays.SIZE]);
    assertThat(ScratchArrays.idle()).isEqualTo(ScratchArrays.SLOTS);
  }
}
