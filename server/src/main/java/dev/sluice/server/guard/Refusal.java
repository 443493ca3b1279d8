package dev.sluice.server.guard;

import java.time.Duration;

/**
 * Why a request may not start now.
 *
 * @param message for the client (no secrets)
 * @param retryAfter when trying again can succeed, or null when unknown or never (a spent total budget)
 */
public record Refusal(String message, Duration retryAfter) {}
