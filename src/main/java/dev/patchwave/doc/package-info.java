/**
 * Located documents: YAML and JSON parsed into a small tree whose every node remembers the line and
 * column it came from, and the helpers that bind such a tree to domain records while collecting
 * every problem (field path, line, column, what was expected) instead of stopping at the first one.
 *
 * <p>Pure: depends only on {@code java.*} and Jackson's streaming parsers (no data binding), so
 * that the policy and inventory readers built on it stay free of any framework.
 */
package dev.patchwave.doc;
