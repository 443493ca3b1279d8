/**
 * Embeddings in OpenAI's terms ({@code POST /v1/embeddings}): the canonical request and response, the
 * request decoder with its bounds, and the response encoder. Independent of chat streams; it uses the
 * canonical model's errors and model-name bound ({@code dev.sluice.stream}) and the OpenAI dialect's field
 * readers, so providers may depend on it and it on none of them.
 */
package dev.sluice.embedding;
