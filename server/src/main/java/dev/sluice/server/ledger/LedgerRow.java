package dev.sluice.server.ledger;

import dev.sluice.stream.Usage;

/**
 * One request as the ledger keeps it (docs/contract.md "Usage ledger"). Its text is storable as built:
 * each string is cleaned and cut to its column's width ({@link StorableText}), so a caller's
 * 300-character or NUL-bearing model name costs only its own tail, never the row or its neighbours.
 *
 * @param keyId the virtual key's id, or null when the gateway runs open or the key was not known
 * @param provider the provider that answered (or was asked), or null when rejected before routing
 * @param model {@code provider/model} that answered, else the model as the client named it (null when unreadable)
 * @param startMillis epoch ms when the request arrived
 * @param endMillis epoch ms when its row was written (just before its final event)
 * @param ttftMillis time to first token as the client saw it, or -1 when no token was sent
 * @param costPicos exact cost in pico-dollars, or null when the model has no price
 * @param finishReason set when completed
 * @param errorType set when not completed
 * @param status {@code completed}, {@code aborted}, {@code failed}, {@code timeout} or {@code rejected}
 */
public record LedgerRow(String requestId, String keyId, String provider, String model, long startMillis,
    long endMillis, long ttftMillis, Usage usage, Long costPicos, int retries, String finishReason, String errorType,
    String status) {

  /** The widths of the text columns in {@code db/migration/V1__ledger.sql}. */
  static final int ID_WIDTH = 64;
  static final int PROVIDER_WIDTH = 128;
  static final int MODEL_WIDTH = 256;
  static final int FINISH_REASON_WIDTH = 32;
  static final int STATUS_WIDTH = 16;

  public LedgerRow {
    requestId = StorableText.of(requestId, ID_WIDTH);
    keyId = StorableText.of(keyId, ID_WIDTH);
    provider = StorableText.of(provider, PROVIDER_WIDTH);
    model = StorableText.of(model, MODEL_WIDTH);
    finishReason = StorableText.of(finishReason, FINISH_REASON_WIDTH);
    errorType = StorableText.of(errorType, ID_WIDTH);
    status = StorableText.of(status, STATUS_WIDTH);
  }
}
