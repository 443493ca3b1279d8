package dev.sluice.server.ledger;

import dev.sluice.stream.Usage;

/**
 * One request as the ledger keeps it (docs/contract.md "Usage ledger").
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
    String status) {}
