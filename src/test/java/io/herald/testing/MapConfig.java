package io.herald.testing;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigValue;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * MicroProfile Config over a map, for unit tests of code that reads settings; names are looked up
 * as given, then in their environment form, as MicroProfile Config does.
 */
public final class MapConfig implements Config {
  private final Map<String, String> values;

  public MapConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  private String raw(String name) {
    String value = values.get(name);
    return value != null ? value : values.get(name.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
  }

  @Override
  public <T> T getValue(String name, Class<T> type) {
    return getOptionalValue(name, type).orElseThrow(() -> new NoSuchElementException(name));
  }

  @Override
  public ConfigValue getConfigValue(String name) {
    throw new UnsupportedOperationException("not used by the code under test");
  }

  @Override
  public <T> Optional<T> getOptionalValue(String name, Class<T> type) {
    String value = raw(name);
    if (value == null) {
      return Optional.empty();
    }
    Object converted =
        type == String.class ? value
            : type == Integer.class ? Integer.valueOf(value)
            : type == Long.class ? Long.valueOf(value)
            : type == Boolean.class ? Boolean.valueOf(value)
            : null;
    if (converted == null) {
      throw new IllegalArgumentException("no converter for " + type);
    }
    return Optional.of(type.cast(converted));
  }

  @Override
  public Iterable<String> getPropertyNames() {
    return values.keySet();
  }

  @Override
  public Iterable<ConfigSource> getConfigSources() {
    return java.util.List.of();
  }

  @Override
  public <T> Optional<Converter<T>> getConverter(Class<T> type) {
    return Optional.empty();
  }

  @Override
  public <T> T unwrap(Class<T> type) {
    throw new IllegalArgumentException("nothing to unwrap");
  }
}
