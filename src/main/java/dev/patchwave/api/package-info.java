/**
 * The REST API (v1): thin JAX-RS resources that map DTOs to domain records, and the {@code
 * application/problem+json} error mapping (every error has a stable type, a human detail, and for
 * validation the list of problems with path, line and column).
 */
package dev.patchwave.api;
