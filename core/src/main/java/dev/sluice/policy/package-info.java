/**
 * Resilience: per-attempt first-token deadlines, retries with full-jitter backoff and
 * {@code Retry-After}, fallback chains and per-model circuit breakers, all before the first token
 * reaches the client. {@link dev.sluice.policy.Resilience} is the entry point; it wraps provider
 * streams into one {@link dev.sluice.provider.EventStream} per request, so the relay and the
 * dialects see a single, honest stream whatever happened upstream.
 */
package dev.sluice.policy;
