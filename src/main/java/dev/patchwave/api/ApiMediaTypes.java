package dev.patchwave.api;

/** Media types the API reads and writes besides JSON. */
final class ApiMediaTypes {
  private ApiMediaTypes() {}

  static final String YAML = "application/yaml";
  static final String X_YAML = "application/x-yaml";
  static final String TEXT_YAML = "text/yaml";
}
