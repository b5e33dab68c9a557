package io.borealis.persistence;

import io.borealis.CborSerializable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Finds what Borealis persists by scanning the classes beside {@link CborSerializable}: every
 * event-sourced entity (a subclass of {@link EventSourcedBehavior}), and from its type arguments
 * the concrete classes of its events and states (a sealed type's permitted subclasses, down to the
 * records). A new entity, or a new event record in an entity's sealed hierarchy, is found without
 * being listed anywhere.
 */
final class PersistedTypes {

  private PersistedTypes() {}

  /** Every entity class in the actors' code. */
  static List<Class<?>> entities() {
    List<Class<?>> entities = new ArrayList<>();
    for (String name : classNames()) {
      Class<?> c = load(name);
      if (EventSourcedBehavior.class.isAssignableFrom(c)
          && !Modifier.isAbstract(c.getModifiers())) {
        entities.add(c);
      }
    }
    entities.sort(Comparator.comparing(Class::getName));
    return entities;
  }

  /** The event type (index 1) or state type (index 2) of {@code entity}. */
  static Class<?> typeArgument(Class<?> entity, int index) {
    for (Class<?> c = entity; c != null; c = c.getSuperclass()) {
      if (c.getGenericSuperclass() instanceof ParameterizedType p
          && EventSourcedBehavior.class.isAssignableFrom((Class<?>) p.getRawType())
          && p.getActualTypeArguments().length == 3) {
        return raw(p.getActualTypeArguments()[index]);
      }
    }
    throw new IllegalStateException("no type arguments found on " + entity);
  }

  /** The concrete classes whose instances are persisted as events or snapshots, by name. */
  static Set<Class<?>> persisted() {
    Set<Class<?>> all = new TreeSet<>(Comparator.comparing(Class::getName));
    for (Class<?> entity : entities()) {
      all.addAll(concrete(typeArgument(entity, 1)));
      all.addAll(concrete(typeArgument(entity, 2)));
    }
    return all;
  }

  /** {@code type} itself if it can have instances of its own, else its sealed subtypes'. */
  static List<Class<?>> concrete(Class<?> type) {
    List<Class<?>> found = new ArrayList<>();
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) {
        found.addAll(concrete(sub));
      }
    }
    if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
      found.add(type);
    } else if (!type.isSealed()) {
      throw new IllegalStateException(
          type.getName()
              + " is persisted but neither sealed nor concrete: its implementations cannot be"
              + " listed, and each needs a version");
    }
    return found;
  }

  /**
   * A text that changes whenever the serialized shape of {@code type} changes: its record
   * components (or fields) with their types, recursively; a sealed type's subtypes; an enum's
   * constants. Types it names twice are written once.
   */
  static String shape(Class<?> type) {
    StringBuilder out = new StringBuilder();
    shape(type, out, new HashSet<>());
    return out.toString();
  }

  private static void shape(Type type, StringBuilder out, Set<Class<?>> seen) {
    if (type instanceof ParameterizedType p) {
      shape(p.getRawType(), out, seen);
      out.append('<');
      for (Type a : p.getActualTypeArguments()) {
        shape(a, out, seen);
        out.append(',');
      }
      out.append('>');
      return;
    }
    if (type instanceof GenericArrayType a) {
      shape(a.getGenericComponentType(), out, seen);
      out.append("[]");
      return;
    }
    if (type instanceof WildcardType || type instanceof TypeVariable<?>) {
      out.append('?');
      return;
    }
    Class<?> c = (Class<?>) type;
    out.append(c.getName());
    if (c.isPrimitive()
        || c.getName().startsWith("java.")
        || !c.getName().startsWith("io.borealis.")
        || !seen.add(c)) {
      return;
    }
    if (c.isArray()) {
      shape(c.getComponentType(), out, seen);
    } else if (c.isEnum()) {
      out.append(Arrays.toString(c.getEnumConstants()));
    } else if (c.isRecord()) {
      out.append('(');
      for (RecordComponent r : c.getRecordComponents()) {
        out.append(r.getName()).append(':');
        shape(r.getGenericType(), out, seen);
        out.append(';');
      }
      out.append(')');
    } else if (c.isSealed()) {
      out.append('{');
      Class<?>[] subs = c.getPermittedSubclasses();
      Arrays.sort(subs, Comparator.comparing(Class::getName));
      for (Class<?> sub : subs) {
        shape(sub, out, seen);
        out.append('|');
      }
      out.append('}');
    } else if (!c.isInterface()) {
      out.append('(');
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers())) {
          out.append(f.getName()).append(':');
          shape(f.getGenericType(), out, seen);
          out.append(';');
        }
      }
      out.append(')');
    }
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, PersistedTypes.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The names of the classes in the folder or jar that holds {@link CborSerializable}. */
  private static List<String> classNames() {
    List<String> names = new ArrayList<>();
    try {
      Path where =
          Path.of(
              CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(where)) {
        try (Stream<Path> files = Files.walk(where)) {
          files
              .filter(f -> f.toString().endsWith(".class"))
              .forEach(f -> names.add(className(where.relativize(f).toString())));
        }
      } else {
        try (JarFile jar = new JarFile(where.toFile())) {
          for (JarEntry e : java.util.Collections.list(jar.entries())) {
            if (e.getName().endsWith(".class")) {
              names.add(className(e.getName()));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    names.removeIf(n -> n.endsWith("module-info") || n.endsWith("package-info"));
    return names;
  }

  private static String className(String path) {
    return path.substring(0, path.length() - ".class".length())
        .replace('/', '.')
        .replace('\\', '.');
  }
}
